package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import static dev.heterolora.studies.Fixtures.study;
import static dev.heterolora.studies.Fixtures.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyStoreTest {
    private StudyStore store;

    @BeforeEach
    void open() {
        store = StudyStore.open("jdbc:h2:mem:");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void migratesAnEmptyDatabase() {
        QueryResult tables = store.console().execute("SELECT table_name FROM information_schema.tables "
                + "WHERE table_schema = 'PUBLIC' ORDER BY table_name", false);
        assertThat(tables.rows()).extracting(r -> r.get(0))
                .containsExactly("METRIC", "PROXY_SCORE", "RUN", "STUDY", "TRIAL", "VALIDATION",
                        "VALIDATION_CORRELATION", "VALIDATION_SCORE", "flyway_schema_history");
        QueryResult users = store.console().execute("SELECT user_name, is_admin FROM information_schema.users", true);
        assertThat(users.rows()).contains(List.of("HL_READER", false));
    }

    @Test
    void reopensAnExistingFileDatabaseWithoutMigratingAgain(@TempDir Path dir) {
        String url = StudyStore.defaultUrl(dir.resolve("home"));
        long id;
        try (StudyStore first = StudyStore.open(url)) {
            id = first.createStudy(study("persisted"));
            first.recordTrial(trial(id, 0, true, 0.5));
        }
        try (StudyStore second = StudyStore.open(url)) {
            assertThat(second.study(id)).get().extracting(Study::name).isEqualTo("persisted");
            assertThat(second.trials(id)).hasSize(1);
            assertThat(second.console().execute("SELECT \"script\" FROM \"flyway_schema_history\" WHERE \"type\" = 'SQL'", false).rows())
                    .containsExactly(List.of("V1__studies.sql"), List.of("V2__validation.sql"));
        }
        assertThat(dir.resolve("home/studies.mv.db")).exists();
    }

    @Test
    void createsAndReadsStudies() {
        long a = store.createStudy(study("a"));
        long b = store.createStudy(new NewStudy("b", -7L, "nsga2", "5000", 5000L, 10L, "/models/x", "sha256:ab",
                "{}", "{\"sites\":[]}"));
        Study sb = store.study(b).orElseThrow();
        assertThat(sb).extracting(Study::name, Study::seed, Study::strategy, Study::budgetText, Study::budgetLimit,
                        Study::baseParams, Study::modelPath, Study::modelHash, Study::configJson,
                        Study::searchSpaceJson, Study::status, Study::bestTrialId)
                .containsExactly("b", -7L, "nsga2", "5000", 5000L, 10L, "/models/x", "sha256:ab", "{}",
                        "{\"sites\":[]}", "running", null);
        assertThat(sb.createdAt()).isNotNull().isEqualTo(sb.updatedAt());
        assertThat(store.study(a).orElseThrow().modelPath()).isNull();
        assertThat(store.studies()).extracting(Study::id).containsExactly(a, b);
        assertThat(store.latestStudy().id()).isEqualTo(b);
        assertThat(store.study(999)).isEmpty();
    }

    @Test
    void latestStudyOfAnEmptyDatabaseIsAOneLineError() {
        assertThatThrownBy(store::latestStudy).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("no study in jdbc:h2:mem:heterolora-").hasMessageNotContaining("\n");
    }

    @Test
    void validatesStatus() {
        long id = store.createStudy(study("s"));
        store.setStatus(id, "finished");
        assertThat(store.study(id).orElseThrow().status()).isEqualTo("finished");
        assertThatThrownBy(() -> store.setStatus(id, "done")).isInstanceOf(HeteroloraException.class)
                .hasMessage("unknown study status 'done' (expected one of running, finished, failed, interrupted)");
        assertThatThrownBy(() -> store.setStatus(999, "failed")).hasMessage("no study with id 999");
        assertThatThrownBy(() -> store.console().execute("UPDATE study SET status = 'done'", true))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("CK_STUDY_STATUS");
    }

    @Test
    void recordsTrialsWithProxyScoresInSeqOrder() {
        long id = store.createStudy(study("s"));
        long t1 = store.recordTrial(trial(id, 1, true, 0.25));
        long t0 = store.recordTrial(trial(id, 0, false, 0.75));
        List<Trial> trials = store.trials(id);
        assertThat(trials).extracting(Trial::id).containsExactly(t0, t1);
        Trial first = trials.get(1);
        assertThat(first).extracting(Trial::studyId, Trial::seq, Trial::generation, Trial::planJson, Trial::params,
                        Trial::feasible, Trial::fitness, Trial::pareto, Trial::seconds)
                .containsExactly(id, 1, 0, "{\"0.q\":1}", 100L, true, 0.25, false, 0.01);
        assertThat(first.proxyScores()).containsExactly(Map.entry("grad_norm", 0.5), Map.entry("snip", 0.25));
        assertThat(store.trialCount(id)).isEqualTo(2);
        assertThat(store.trialCount(999)).isZero();
        assertThat(store.study(id).orElseThrow().updatedAt()).isAfterOrEqualTo(store.study(id).orElseThrow().createdAt());
    }

    @Test
    void rejectsDuplicateSeqAndUnknownStudyAndKeepsNothingOfThem() {
        long id = store.createStudy(study("s"));
        store.recordTrial(trial(id, 0, true, 0.5));
        assertThatThrownBy(() -> store.recordTrial(trial(id, 0, true, 0.9)))
                .isInstanceOf(HeteroloraException.class).hasMessage("study " + id + " already has a trial with seq 0");
        assertThatThrownBy(() -> store.recordTrial(trial(999, 0, true, 0.9))).hasMessage("no study with id 999");
        assertThat(store.trials(id)).singleElement().extracting(Trial::fitness).isEqualTo(0.5);
        assertThat(store.console().execute("SELECT COUNT(*) FROM proxy_score", false).rows())
                .containsExactly(List.of(2L));
    }

    @Test
    void bestTrialIsTheFeasibleOneWithHighestFiniteFitnessAndLowestSeqOnTies() {
        long id = store.createStudy(study("s"));
        assertThat(store.bestTrial(id)).isEmpty();
        store.recordTrial(trial(id, 0, false, 9.0));
        assertThat(store.bestTrial(id)).isEmpty();
        assertThat(store.study(id).orElseThrow().bestTrialId()).isNull();
        long nan = store.recordTrial(trial(id, 1, true, Double.NaN));
        store.recordTrial(trial(id, 2, true, Double.POSITIVE_INFINITY));
        store.recordTrial(trial(id, 3, true, Double.NEGATIVE_INFINITY));
        assertThat(store.bestTrial(id)).isEmpty();
        long tieFirst = store.recordTrial(trial(id, 5, true, 0.5));
        store.recordTrial(trial(id, 6, true, 0.5));
        store.recordTrial(trial(id, 7, true, 0.1));
        assertThat(store.bestTrial(id)).get().extracting(Trial::id).isEqualTo(tieFirst);
        assertThat(store.study(id).orElseThrow().bestTrialId()).isEqualTo(tieFirst);
        long tieEarlier = store.recordTrial(trial(id, 4, true, 0.5));
        assertThat(store.bestTrial(id)).get().extracting(Trial::id).isEqualTo(tieEarlier);
        assertThat(store.study(id).orElseThrow().bestTrialId()).isEqualTo(tieEarlier);

        Trial stored = store.trials(id).stream().filter(t -> t.id() == nan).findFirst().orElseThrow();
        assertThat(stored.fitness()).isNaN();
        assertThat(stored.proxyScores().get("snip")).isNaN();
        assertThat(store.console().execute("SELECT COUNT(*) FROM trial WHERE fitness IS NULL", false).rows())
                .containsExactly(List.of(3L));
        // non-finite values are NULL, so SQL aggregates keep working (H2 fails AVG over a NaN)
        Object average = store.console().execute("SELECT AVG(fitness) FROM trial WHERE feasible", false).rows().get(0).get(0);
        assertThat(((Number) average).doubleValue()).isCloseTo(0.4, offset(1e-12));
    }

    @Test
    void bestTrialIgnoresNaNWrittenThroughTheConsole() {
        long id = store.createStudy(study("s"));
        long good = store.recordTrial(trial(id, 0, true, 0.5));
        store.console().execute("INSERT INTO trial (study_id, seq, generation, plan_json, params, feasible, fitness, "
                + "seconds) VALUES (" + id + ", 1, 0, '{}', 1, TRUE, CAST('NaN' AS DOUBLE PRECISION), 0)", true);
        assertThat(store.bestTrial(id)).get().extracting(Trial::id).isEqualTo(good);
        assertThat(store.trials(id).get(1).fitness()).isNaN();
    }

    @Test
    void topTrialsAreFeasibleBestFirst() {
        long id = store.createStudy(study("s"));
        long other = store.createStudy(study("other"));
        store.recordTrial(trial(other, 0, true, 100.0));
        long[] ids = new long[6];
        double[] fitness = {0.3, 0.9, 0.1, 0.9, 0.5, 2.0};
        for (int seq = 0; seq < fitness.length; seq++) {
            ids[seq] = store.recordTrial(trial(id, seq, seq != 5, fitness[seq]));
        }
        assertThat(store.topTrials(id, 3)).extracting(Trial::id).containsExactly(ids[1], ids[3], ids[4]);
        assertThat(store.topTrials(id, 10)).extracting(Trial::seq).containsExactly(1, 3, 4, 0, 2);
        assertThat(store.topTrials(id, 10).get(0).proxyScores()).containsEntry("snip", 0.9);
        assertThat(store.topTrials(id, 0)).isEmpty();
    }

    @Test
    void marksExactlyTheGivenParetoFront() {
        long id = store.createStudy(study("s"));
        long other = store.createStudy(study("other"));
        long foreign = store.recordTrial(trial(other, 0, true, 1.0));
        long a = store.recordTrial(trial(id, 0, true, 0.1));
        long b = store.recordTrial(trial(id, 1, true, 0.2));
        long c = store.recordTrial(trial(id, 2, true, 0.3));
        store.markPareto(id, List.of(a, b));
        store.markPareto(id, List.of(b, c));
        assertThat(store.trials(id)).extracting(Trial::pareto).containsExactly(false, true, true);
        assertThatThrownBy(() -> store.markPareto(id, List.of(c, foreign))).isInstanceOf(HeteroloraException.class)
                .hasMessage("not all of trials [" + c + ", " + foreign + "] belong to study " + id);
        assertThat(store.trials(id)).extracting(Trial::pareto).containsExactly(false, true, true);
        store.markPareto(id, List.of());
        assertThat(store.trials(id)).extracting(Trial::pareto).containsOnly(false);
    }

    @Test
    void recordsRunsAndUpsertsMetricsPerStep() {
        long studyId = store.createStudy(study("s"));
        long trialId = store.recordTrial(trial(studyId, 0, true, 0.5));
        long ppo = store.createRun(studyId, trialId, "ppo", "{\"lr\":1e-4}", "/tmp/out");
        long validate = store.createRun(null, null, "validate", null, null);
        store.recordMetrics(ppo, 0, Map.of("reward", 0.1, "kl", 0.0));
        store.recordMetrics(ppo, 1, Map.of("reward", 0.2, "loss", Double.NaN));
        store.recordMetrics(ppo, 1, Map.of("reward", 0.3));
        List<Metric> metrics = store.metrics(ppo);
        assertThat(metrics).extracting(Metric::step, Metric::name)
                .containsExactly(tuple(0, "kl"), tuple(0, "reward"),
                        tuple(1, "loss"), tuple(1, "reward"));
        assertThat(metrics.get(2).value()).isNaN();
        assertThat(metrics.get(3)).isEqualTo(new Metric(ppo, 1, "reward", 0.3));

        Run run = store.run(ppo).orElseThrow();
        assertThat(run).extracting(Run::studyId, Run::trialId, Run::kind, Run::configJson, Run::status, Run::message,
                Run::outputDir).containsExactly(studyId, trialId, "ppo", "{\"lr\":1e-4}", "running", null, "/tmp/out");
        store.finishRun(ppo, "failed", "KL exploded at step 2");
        assertThat(store.run(ppo).orElseThrow()).extracting(Run::status, Run::message)
                .containsExactly("failed", "KL exploded at step 2");
        assertThat(store.run(validate).orElseThrow()).extracting(Run::studyId, Run::trialId, Run::configJson)
                .containsExactly(null, null, "{}");
        assertThat(store.runs(studyId)).extracting(Run::id).containsExactly(ppo);
        assertThat(store.runs(null)).extracting(Run::id).containsExactly(ppo, validate);
        assertThat(store.run(999)).isEmpty();
    }

    @Test
    void rejectsBadRunReferencesAndStatuses() {
        long studyId = store.createStudy(study("s"));
        long other = store.createStudy(study("other"));
        long trialId = store.recordTrial(trial(other, 0, true, 0.5));
        assertThatThrownBy(() -> store.createRun(999L, null, "sft", "{}", null)).hasMessage("no study with id 999");
        assertThatThrownBy(() -> store.createRun(null, 999L, "sft", "{}", null)).hasMessage("no trial with id 999");
        assertThatThrownBy(() -> store.createRun(studyId, trialId, "sft", "{}", null))
                .hasMessage("trial " + trialId + " belongs to study " + other + ", not " + studyId);
        long run = store.createRun(null, trialId, "sft", "{}", null);
        assertThatThrownBy(() -> store.finishRun(run, "running", null))
                .hasMessage("a run finishes as 'finished' or 'failed', not 'running'");
        assertThatThrownBy(() -> store.finishRun(999, "finished", null)).hasMessage("no run with id 999");
        assertThatThrownBy(() -> store.recordMetrics(999, 0, Map.of("x", 1.0))).hasMessage("no run with id 999");
        assertThat(store.runs(null)).hasSize(1);
    }

    @Test
    void deletingTrialsThroughTheConsoleClearsTheBestTrial() {
        long id = store.createStudy(study("s"));
        store.recordTrial(trial(id, 0, true, 0.5));
        assertThat(store.console().execute("DELETE FROM trial", true).updateCount()).isEqualTo(1);
        assertThat(store.study(id).orElseThrow().bestTrialId()).isNull();
        assertThat(store.console().execute("SELECT COUNT(*) FROM proxy_score", false).rows()).containsExactly(List.of(0L));
    }

    @Test
    void closedStoreFailsWithOneLine() {
        store.close();
        assertThatThrownBy(store::studies).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("SQL error: ").hasMessageNotContaining("\n");
    }
}
