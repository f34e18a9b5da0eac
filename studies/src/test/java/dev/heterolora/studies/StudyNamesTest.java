package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static dev.heterolora.studies.Fixtures.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Study names (unique, optional), deleting a study with everything it owns, and heartbeats of running work. */
class StudyNamesTest extends InMemoryStoreTest {
    @Test
    void namesAreUniqueAndFindTheirStudy() {
        long a = store.createStudy(study("alpha"));
        long unnamed1 = store.createStudy(study(null));
        long unnamed2 = store.createStudy(study(null));
        assertThat(store.studyNamed("alpha")).get().extracting(Study::id).isEqualTo(a);
        assertThat(store.studyNamed("beta")).isEmpty();
        assertThat(store.study(unnamed1).orElseThrow().name()).isNull();
        assertThat(unnamed2).isNotEqualTo(unnamed1);
        assertThatThrownBy(() -> store.createStudy(study("alpha"))).isInstanceOf(HeteroloraException.class)
                .hasMessage("a study named 'alpha' already exists (study " + a + "); choose another --name, or "
                        + "resume it with --resume " + a);
        assertThat(store.studies()).hasSize(3);
        assertThatThrownBy(() -> sql("UPDATE study SET name = 'alpha' WHERE id = " + unnamed1))
                .isInstanceOf(HeteroloraException.class).message().containsIgnoringCase("uq_study_name");
        assertThatThrownBy(() -> study(" padded")).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> study("")).isInstanceOf(HeteroloraException.class);
    }

    @Test
    void deletingAStudyDeletesEverythingItOwnsAndNothingElse() {
        long doomed = store.createStudy(study("doomed"));
        long kept = store.createStudy(study("kept"));
        long t = store.recordTrial(trial(doomed, 0, true, 0.5));
        store.recordTrial(trial(kept, 0, true, 0.7));
        long run = store.createRun(doomed, t, "ppo", "{}", null);
        store.recordMetrics(run, 0, Map.of("loss", 1.0));
        store.recordValidation(new NewValidation(run, t, "trial 0", "{}", 10, 0.5, 0.5, 1.0, Map.of("snip", 1.0)));
        long keptRun = store.createRun(kept, null, "ppo", "{}", null);
        store.recordMetrics(keptRun, 0, Map.of("loss", 2.0));
        store.workQueue().enqueue(StudyStorage.studyQueue(doomed, "refine"), List.of(new NewUnit("a", "{}")));
        store.workQueue().enqueue(StudyStorage.studyQueue(kept, "refine"), List.of(new NewUnit("a", "{}")));
        store.workQueue().enqueue("study:" + doomed + "0", List.of(new NewUnit("a", "{}")));

        store.deleteStudy(doomed);

        assertThat(store.study(doomed)).isEmpty();
        assertThat(store.studyNamed("doomed")).isEmpty();
        assertThat(store.run(run)).isEmpty();
        for (String table : List.of("trial", "proxy_score", "metric", "validation", "validation_score", "run")) {
            assertThat(sql("SELECT COUNT(*) FROM " + table).rows().get(0).get(0)).as(table)
                    .isEqualTo(switch (table) {
                        case "validation", "validation_score" -> 0L;
                        case "proxy_score" -> 2L;
                        default -> 1L;
                    });
        }
        assertThat(store.workQueue().units(StudyStorage.studyQueue(doomed, "refine"))).isEmpty();
        assertThat(store.workQueue().units(StudyStorage.studyQueue(kept, "refine"))).hasSize(1);
        assertThat(store.workQueue().units("study:" + doomed + "0")).hasSize(1);
        assertThat(store.trials(kept)).hasSize(1);
        assertThat(store.metrics(keptRun)).hasSize(1);
        assertThatThrownBy(() -> store.deleteStudy(doomed)).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study with id " + doomed);
        store.createStudy(study("doomed"));
    }

    @Test
    void runningWorkWhoseHeartbeatStoppedIsMarkedInterrupted() throws Exception {
        long beating = store.createStudy(study("beating"));
        long dead = store.createStudy(study("dead"));
        long silent = store.createStudy(study("silent"));
        long deadRun = store.createRun(null, null, "ppo", "{}", null);
        long finishedRun = store.createRun(null, null, "ppo", "{}", null);
        store.heartbeatStudy(dead);
        store.heartbeatRun(deadRun);
        store.heartbeatRun(finishedRun);
        store.finishRun(finishedRun, Status.FINISHED, null);
        Thread.sleep(600);
        store.heartbeatStudy(beating);

        assertThat(store.failStale(Duration.ofMillis(400))).isEqualTo(2);

        assertThat(store.study(dead).orElseThrow().status()).isEqualTo(Status.INTERRUPTED);
        assertThat(store.run(deadRun).orElseThrow().status()).isEqualTo(Status.INTERRUPTED);
        assertThat(store.study(beating).orElseThrow().status()).isEqualTo(Status.RUNNING);
        assertThat(store.study(silent).orElseThrow().status()).isEqualTo(Status.RUNNING);
        assertThat(store.run(finishedRun).orElseThrow().status()).isEqualTo(Status.FINISHED);
        assertThat(store.failStale(Duration.ofMillis(400))).isZero();
        assertThatThrownBy(() -> store.heartbeatStudy(999)).isInstanceOf(HeteroloraException.class);
    }

    @Test
    void aHeartbeatKeepsItsStudyAliveUntilClosed() throws Exception {
        long id = store.createStudy(study("kept alive"));
        System.setProperty("heterolora.heartbeat.interval", "0.1");
        try (Heartbeat beat = Heartbeat.ofStudy(store, id)) {
            Thread.sleep(700);
            assertThat(store.failStale(Duration.ofMillis(400))).isZero();
        } finally {
            System.clearProperty("heterolora.heartbeat.interval");
        }
        Thread.sleep(600);
        assertThat(store.failStale(Duration.ofMillis(400))).isEqualTo(1);
        assertThat(store.study(id).orElseThrow().status()).isEqualTo(Status.INTERRUPTED);
    }

    @Test
    void labelsThatOlderVersionsSharedBecomeUniqueNames(@TempDir Path dir) throws Exception {
        String h2 = "jdbc:h2:file:" + dir.resolve("studies");
        Flyway.configure().dataSource(h2, "sa", "").locations(Vendor.H2.migrations()).target("4").load().migrate();
        try (Connection c = DriverManager.getConnection(h2, "sa", ""); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO study (id, name, seed, strategy, budget_text, budget_limit, base_params, "
                    + "config_json, search_space_json) VALUES (1, 'ga-snip-1%', 1, 'ga', '1%', 10, 100, '{}', '{}'), "
                    + "(2, 'other', 1, 'ga', '1%', 10, 100, '{}', '{}'), "
                    + "(3, 'ga-snip-1%', 1, 'ga', '1%', 10, 100, '{}', '{}')");
        }
        try (StudyStore migrated = StudyStore.open(h2)) {
            assertThat(migrated.studies()).extracting(Study::name).containsExactly("ga-snip-1%", "other",
                    "ga-snip-1% #3");
            assertThat(migrated.studyNamed("ga-snip-1%")).get().extracting(Study::id).isEqualTo(1L);
        }
    }
}
