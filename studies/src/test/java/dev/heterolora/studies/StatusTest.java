package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one status type and its mirror in the database (migrations V3 and V4). */
class StatusTest extends InMemoryStoreTest {
    @Test
    void isSpelledInLowerCaseAsStored() {
        assertThat(Status.values()).extracting(Status::text)
                .containsExactly("queued", "running", "finished", "failed", "interrupted");
        assertThat(Status.FINISHED).hasToString("finished");
        assertThat(Status.of("failed")).isEqualTo(Status.FAILED);
        assertThat(Status.of("INTERRUPTED")).isEqualTo(Status.INTERRUPTED);
        assertThatThrownBy(() -> Status.of("done")).isInstanceOf(HeteroloraException.class)
                .hasMessage("unknown status 'done' (expected one of queued, running, finished, failed, interrupted)");
    }

    @ParameterizedTest
    @EnumSource(Status.class)
    void theConstraintsAllowEveryStatusInStudiesAndRuns(Status status) {
        long studyId = store.createStudy(study("s"));
        long runId = store.createRun(studyId, null, "ppo", "{}", null);
        sql("UPDATE study SET status = '" + status.text() + "'");
        sql("UPDATE run SET status = '" + status.text() + "'");
        assertThat(store.study(studyId).orElseThrow().status()).isEqualTo(status);
        assertThat(store.run(runId).orElseThrow().status()).isEqualTo(status);
    }

    @ParameterizedTest
    @ValueSource(strings = {"done", "Finished", "RUNNING", "", "finished "})
    void theConstraintsRejectABogusStatusWrittenByRawSql(String bogus) {
        long studyId = store.createStudy(study("s"));
        long runId = store.createRun(studyId, null, "ppo", "{}", null);
        assertThatThrownBy(() -> sql("UPDATE study SET status = '" + bogus + "'"))
                .isInstanceOf(HeteroloraException.class).message().containsIgnoringCase("CK_STUDY_STATUS")
                .doesNotContain("\n");
        assertThatThrownBy(() -> sql("INSERT INTO run (kind, config_json, status) VALUES ('sft', '{}', '" + bogus + "')"))
                .isInstanceOf(HeteroloraException.class).message().containsIgnoringCase("CK_RUN_STATUS");
        assertThat(store.study(studyId).orElseThrow().status()).isEqualTo(Status.RUNNING);
        assertThat(store.runs(null)).extracting(Run::id).containsExactly(runId);
    }

    @Test
    void rowsOfAVersion2DatabaseKeepWorkingAfterTheMigration(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("studies");
        Flyway.configure().dataSource(url, "sa", "").locations(Vendor.H2.migrations()).target("2").load().migrate();
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO study (id, name, seed, strategy, budget_text, budget_limit, base_params, "
                    + "config_json, search_space_json, status) VALUES (1, 'old', 1, 'ga', '1%', 10, 100, '{}', '{}', "
                    + "'finished'), (2, 'crashed', 1, 'ga', '1%', 10, 100, '{}', '{}', 'interrupted')");
            st.executeUpdate("INSERT INTO run (id, study_id, kind, config_json, status) VALUES (1, 1, 'ppo', '{}', "
                    + "'failed'), (2, 1, 'sft', '{}', 'finished'), (3, NULL, 'ppo', '{}', 'running')");
        }
        try (StudyStore migrated = StudyStore.open(url)) {
            assertThat(migrated.console().execute("SELECT \"version\" FROM \"flyway_schema_history\" "
                    + "WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"", false).rows()).extracting(r -> r.get(0))
                    .containsExactly("1", "2", "3", "4", "5", "6", "7");
            assertThat(migrated.studies()).extracting(Study::status).containsExactly(Status.FINISHED, Status.INTERRUPTED);
            assertThat(migrated.latestStudy().id()).isEqualTo(1);
            assertThat(migrated.runs(null)).extracting(Run::status)
                    .containsExactly(Status.FAILED, Status.FINISHED, Status.RUNNING);
            migrated.finishRun(3, Status.INTERRUPTED, "stopped");
            assertThat(migrated.run(3).orElseThrow().status()).isEqualTo(Status.INTERRUPTED);
            assertThat(migrated.console().execute("SELECT COUNT(*) FROM run WHERE status = 'interrupted'", false)
                    .rows()).containsExactly(List.of(1L));
        }
    }
}
