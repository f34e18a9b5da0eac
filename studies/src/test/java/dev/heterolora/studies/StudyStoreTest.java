package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static dev.heterolora.studies.Fixtures.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The H2 store as a whole: migrating, reopening, closing, and its parts sharing one connection across threads. */
class StudyStoreTest extends InMemoryStoreTest {
    @Test
    void migratesAnEmptyDatabase() {
        QueryResult tables = store.console().execute("SELECT table_name FROM information_schema.tables "
                + "WHERE LOWER(table_schema) = 'public' ORDER BY LOWER(table_name)", false);
        assertThat(tables.rows()).extracting(r -> r.get(0).toString().toLowerCase(java.util.Locale.ROOT))
                .containsExactly("flyway_schema_history", "metric", "proxy_score", "run", "study", "trial",
                        "validation", "validation_correlation", "validation_score", "work_unit");
        if (backend == Backend.H2) {
            QueryResult users = sql("SELECT user_name, is_admin FROM information_schema.users");
            assertThat(users.rows()).contains(List.of("HL_READER", false));
        }
    }

    @Test
    void reopensAnExistingFileDatabaseWithoutMigratingAgain(@TempDir Path dir) {
        String url = StudyStore.defaultUrl(dir.resolve("home"));
        long id;
        try (StudyStore first = StudyStore.open(url)) {
            id = first.createStudy(study("persisted"));
            first.recordTrial(trial(id, 0, true, 0.5));
        }
        try (StudyStorage second = StudyStore.open(url)) {
            assertThat(second.study(id)).get().extracting(Study::name).isEqualTo("persisted");
            assertThat(second.trials(id)).hasSize(1);
        }
        try (StudyStore third = StudyStore.open(url)) {
            assertThat(third.console().execute("SELECT \"script\" FROM \"flyway_schema_history\" WHERE \"type\" = 'SQL'",
                    false).rows()).containsExactly(List.of("V1__studies.sql"), List.of("V2__validation.sql"),
                    List.of("V3__status.sql"), List.of("V4__work_units.sql"), List.of("V5__names_heartbeats.sql"),
                    List.of("V6__trial_plan_varchar.sql"), List.of("V7__trial_id_cache.sql"));
        }
        assertThat(dir.resolve("home/studies.mv.db")).exists();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTrialSinkThreadAndAnotherThreadShareTheStore() throws Exception {
        long id = store.createStudy(study("s"));
        AtomicBoolean sinking = new AtomicBoolean(true);
        CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> {
            try {
                for (int seq = 0; seq < 200; seq++) {
                    store.recordTrial(trial(id, seq, true, seq == 150 ? 9.0 : 0.001 * seq));
                }
            } finally {
                sinking.set(false);
            }
        });
        int rounds = 0;
        while (sinking.get()) {
            store.setStatus(id, rounds % 2 == 0 ? Status.INTERRUPTED : Status.RUNNING);
            assertThat(store.trialCount(id)).isLessThanOrEqualTo(200);
            rounds++;
        }
        sink.get(30, TimeUnit.SECONDS);
        store.setStatus(id, Status.FINISHED);
        assertThat(rounds).isPositive();
        assertThat(store.trials(id)).hasSize(200).allSatisfy(t -> assertThat(t.proxyScores()).hasSize(2));
        assertThat(store.study(id).orElseThrow()).extracting(Study::status, Study::bestTrialId)
                .containsExactly(Status.FINISHED, store.bestTrial(id).orElseThrow().id());
        assertThat(store.bestTrial(id).orElseThrow().seq()).isEqualTo(150);
    }

    @Test
    void closedStoreFailsWithOneLine() {
        store.close();
        assertThatThrownBy(store::studies).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("SQL error: ").hasMessageNotContaining("\n");
    }
}
