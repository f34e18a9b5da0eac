package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Same seed → the very same sink calls (and result); another seed → another search for the randomised ones. */
class DeterminismTest {

    /** Every sink argument except the wall time. */
    record Call(int seq, int generation, AdapterPlan plan, long parameters, boolean feasible, Evaluation evaluation) {}

    static List<Strategy> strategies() {
        return Strategy.all();
    }

    private static final SearchSpace SPACE = SearchSpace.of(Fixtures.llamaTiny(), SpaceOptions.defaults(), 15_000);

    private static List<Call> run(Strategy strategy, long seed, List<SearchResult> results) {
        List<Call> calls = new ArrayList<>();
        PlanFitness fitness = new Fixtures.AdditiveFitness(Fixtures.diminishingScores(SPACE, 3));
        results.add(strategy.run(SPACE, fitness, new SearchSettings(seed, 30, 40, 15, 100, 8, 1.0),
                (seq, generation, plan, parameters, feasible, evaluation, seconds) ->
                        calls.add(new Call(seq, generation, plan, parameters, feasible, evaluation))));
        return calls;
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void theSameSeedGivesTheSameTrialsInTheSameOrder(Strategy strategy) {
        List<SearchResult> results = new ArrayList<>();

        List<Call> first = run(strategy, 42, results);
        List<Call> second = run(strategy, 42, results);

        assertThat(first).isNotEmpty().isEqualTo(second);
        assertThat(results.get(0)).isEqualTo(results.get(1));
        for (int i = 0; i < first.size(); i++) {
            assertThat(first.get(i).seq()).isEqualTo(i);
            if (i > 0) {
                assertThat(first.get(i).generation()).isGreaterThanOrEqualTo(first.get(i - 1).generation());
            }
        }
        if (List.of("ga", "nsga2", "random").contains(strategy.name())) {
            assertThat(run(strategy, 43, results)).isNotEqualTo(first);
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void historyIsOrderedAndTheBestNeverGetsWorse(Strategy strategy) {
        List<SearchResult> results = new ArrayList<>();
        run(strategy, 5, results);
        List<GenerationStats> history = results.getFirst().history();

        assertThat(history).isNotEmpty();
        assertThat(history.getLast().evaluations()).isEqualTo(results.getFirst().evaluations());
        for (int i = 0; i < history.size(); i++) {
            GenerationStats h = history.get(i);
            assertThat(h.generation()).isEqualTo(i);
            assertThat(h.feasibleShare()).isBetween(0.0, 1.0);
            assertThat(h.medianFitness()).isLessThanOrEqualTo(h.bestFitness());
            if (i > 0) {
                assertThat(h.bestFitness()).isGreaterThanOrEqualTo(history.get(i - 1).bestFitness());
                assertThat(h.evaluations()).isGreaterThanOrEqualTo(history.get(i - 1).evaluations());
            }
        }
    }
}
