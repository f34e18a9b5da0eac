package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ReplayTest {

    static List<Strategy> strategies() {
        return Strategy.all();
    }

    private static final SearchSpace SPACE = SearchSpace.of(Fixtures.llamaTiny(), SpaceOptions.defaults(), 15_000);
    private static final SearchSettings SETTINGS = new SearchSettings(11, 30, 40, 15, 100, 8, 1.0);

    private static Fixtures.AdditiveFitness fitness() {
        return new Fixtures.AdditiveFitness(Fixtures.diminishingScores(SPACE, 9));
    }

    private static List<TrialRecord> record(Strategy strategy) {
        TrialLog log = new TrialLog();
        strategy.run(SPACE, fitness(), SETTINGS, log);
        return log.trials();
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aRecordedRunReplaysIdentically(Strategy strategy) {
        List<TrialRecord> recorded = record(strategy);

        assertThat(Replay.check(strategy, SPACE, SETTINGS, recorded, fitness().additive())).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aTamperedRecordIsReportedAtItsFirstDifference(Strategy strategy) {
        List<TrialRecord> recorded = new ArrayList<>(record(strategy));
        int k = recorded.size() / 2;
        TrialRecord original = recorded.get(k);
        AdapterPlan forged = AdapterPlan.fromJson("{\"sites\":{\"1.down\":1}}");
        recorded.set(k, new TrialRecord(k, original.generation(), forged, 192, true, original.evaluation()));

        Optional<String> difference = Replay.check(strategy, SPACE, SETTINGS, recorded, fitness().additive());

        assertThat(difference).contains("trial #" + k + " differs: recorded {1.down=1}, replay "
                + Replay.describe(original.plan()));
    }

    @Test
    void replayFitnessRefusesPlansTheStudyNeverEvaluated() {
        ReplayFitness replay = new ReplayFitness(List.of(), Optional.empty());
        AdapterPlan plan = AdapterPlan.fromJson("{\"sites\":{\"0.q\":4}}");

        assertThatThrownBy(() -> replay.evaluate(List.of(plan))).isInstanceOf(ReplayDivergence.class)
                .hasMessage("replay diverged at trial #0: the search asked for {0.q=4}, which the study never evaluated")
                .satisfies(e -> assertThat(((ReplayDivergence) e).plan()).isEqualTo(plan));
        assertThat(replay.requested()).containsExactly(plan);
    }

    @Test
    void firstDifferenceNamesThePositionOrTheMissingTail() {
        AdapterPlan a = AdapterPlan.fromJson("{\"sites\":{\"0.q\":4}}");
        AdapterPlan b = AdapterPlan.fromJson("{\"sites\":{\"0.q\":8,\"1.v\":2}}");

        assertThat(Replay.firstDifference(List.of(a, b), List.of(a, b))).isEmpty();
        assertThat(Replay.firstDifference(List.of(a, b), List.of(a, a)))
                .contains("trial #1 differs: recorded {0.q=8, 1.v=2}, replay {0.q=4}");
        assertThat(Replay.firstDifference(List.of(a, b), List.of(a)))
                .contains("replay stopped after 1 trials; the study has 2 (next recorded: {0.q=8, 1.v=2})");
        assertThat(Replay.firstDifference(List.of(a), List.of(a, AdapterPlan.empty())))
                .contains("replay went on past the 1 recorded trials: #1 is {}");
    }

    @Test
    void aResumedGaContinuesExactlyWhereTheInterruptedRunStopped() {
        Strategy ga = new GeneticSearch();
        List<TrialRecord> full = record(ga);
        int done = full.size() / 2;
        Fixtures.AdditiveFitness live = fitness();
        List<TrialRecord> written = new ArrayList<>();
        TrialSink store = (seq, generation, plan, parameters, feasible, evaluation, seconds) ->
                written.add(new TrialRecord(seq, generation, plan, parameters, feasible, evaluation));

        SearchResult resumed = ga.run(SPACE, new ResumingFitness(full.subList(0, done), live), SETTINGS,
                store.skipping(done));

        assertThat(written).isEqualTo(full.subList(done, full.size()));
        assertThat(live.evaluated.get()).isEqualTo(full.size() - done);
        assertThat(resumed.evaluations()).isEqualTo(full.size());
    }
}
