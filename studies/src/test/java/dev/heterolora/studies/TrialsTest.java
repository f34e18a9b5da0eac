package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static dev.heterolora.studies.Fixtures.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.heterolora.core.HeteroloraException;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trials part of the store: trials, their proxy scores, the best trial and the Pareto front. */
class TrialsTest extends InMemoryStoreTest {
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
    void deletingTrialsThroughTheConsoleClearsTheBestTrial() {
        long id = store.createStudy(study("s"));
        store.recordTrial(trial(id, 0, true, 0.5));
        assertThat(store.console().execute("DELETE FROM trial", true).updateCount()).isEqualTo(1);
        assertThat(store.study(id).orElseThrow().bestTrialId()).isNull();
        assertThat(store.console().execute("SELECT COUNT(*) FROM proxy_score", false).rows()).containsExactly(List.of(0L));
    }

    @Test
    void recordsTrialsInBatchesAsOneByOne() {
        long a = store.createStudy(study("a"));
        long b = store.createStudy(study("b"));
        store.recordTrial(trial(a, 0, true, 0.1));
        store.recordTrials(List.of(trial(a, 1, true, 0.9), trial(b, 0, false, 5.0), trial(a, 2, true, Double.NaN),
                trial(b, 1, true, 0.3)));
        assertThat(store.trials(a)).extracting(Trial::seq).containsExactly(0, 1, 2);
        assertThat(store.trials(a).get(1).proxyScores()).containsEntry("snip", 0.9).containsEntry("grad_norm", 0.5);
        assertThat(store.trials(a).get(2).fitness()).isNaN();
        assertThat(store.bestTrial(a)).get().extracting(Trial::seq).isEqualTo(1);
        assertThat(store.bestTrial(b)).get().extracting(Trial::seq).isEqualTo(1);
        assertThat(store.study(a).orElseThrow().bestTrialId()).isEqualTo(store.bestTrial(a).orElseThrow().id());

        assertThatThrownBy(() -> store.recordTrials(List.of(trial(a, 3, true, 1.0), trial(a, 1, true, 1.0))))
                .isInstanceOf(HeteroloraException.class).hasMessage("study " + a + " already has a trial with seq 1");
        assertThatThrownBy(() -> store.recordTrials(List.of(trial(b, 7, true, 1.0), trial(b, 7, true, 1.0))))
                .isInstanceOf(HeteroloraException.class).hasMessage("trials to record for study " + b + " repeat a seq");
        assertThatThrownBy(() -> store.recordTrials(List.of(trial(b, 8, true, 1.0), trial(999, 0, true, 1.0))))
                .isInstanceOf(HeteroloraException.class).hasMessage("no study with id 999");
        assertThat(store.trialCount(a)).isEqualTo(3);
        assertThat(store.trialCount(b)).isEqualTo(2);
        store.recordTrials(List.of());
    }
}
