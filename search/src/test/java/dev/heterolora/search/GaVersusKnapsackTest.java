package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.core.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test for the GA: on an additive fitness, where {@code knapsack} gives the exact optimum,
 * the GA with default settings must reach 99% of it. Prints per-seed numbers for the record.
 */
class GaVersusKnapsackTest {

    private static final int SEEDS = 12;

    record Outcome(long seed, double optimum, double ga, int evaluationsTo99, int evaluations, double millis) {}

    @Test
    void gaReaches99PercentOfTheKnapsackOptimumOnAClearMajorityOfSeeds() {
        ModelConfig model = Fixtures.llama(4, 64, 4, 2, 128);
        SearchSpace space = SearchSpace.of(model, SpaceOptions.defaults(), 25_000);
        List<Outcome> outcomes = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(Fixtures.diminishingScores(space, seed));
            double optimum = new KnapsackSearch().run(space, fitness, SearchSettings.defaults(seed), new TrialLog())
                    .best().evaluation().fitness();
            TrialLog log = new TrialLog();
            long start = System.nanoTime();
            SearchResult ga = new GeneticSearch().run(space, fitness, SearchSettings.defaults(seed), log);
            double millis = (System.nanoTime() - start) / 1e6;
            int to99 = log.trials().stream().filter(t -> t.evaluation().fitness() >= 0.99 * optimum)
                    .mapToInt(t -> t.seq() + 1).findFirst().orElse(-1);
            outcomes.add(new Outcome(seed, optimum, ga.best().evaluation().fitness(), to99, ga.evaluations(), millis));
        }
        System.out.printf("GA vs knapsack: %d sites, budget %d, population %d, generations <= %d, steady %d%n",
                space.size(), space.budget(), SearchSettings.DEFAULT_POPULATION, SearchSettings.DEFAULT_GENERATIONS,
                SearchSettings.DEFAULT_STEADY_GENERATIONS);
        for (Outcome o : outcomes) {
            System.out.printf("  seed %2d: optimum %.4f, GA %.4f (%.2f%%), >=99%% after %d evaluations, %d in all,"
                    + " %.0f ms%n", o.seed, o.optimum, o.ga, 100 * o.ga / o.optimum, o.evaluationsTo99, o.evaluations,
                    o.millis);
        }
        long reached = outcomes.stream().filter(o -> o.ga >= 0.99 * o.optimum).count();
        int[] to99 = outcomes.stream().mapToInt(Outcome::evaluationsTo99).filter(e -> e > 0).sorted().toArray();
        System.out.printf("  reached >= 99%% on %d of %d seeds; evaluations to 99%%: %s; %.0f ms per GA run on"
                        + " average%n", reached, SEEDS, to99.length == 0 ? "never"
                        : "min " + to99[0] + ", median " + to99[to99.length / 2] + ", max " + to99[to99.length - 1],
                outcomes.stream().mapToDouble(Outcome::millis).average().orElseThrow());

        assertThat(outcomes).allSatisfy(o -> assertThat(o.ga).isLessThanOrEqualTo(o.optimum * (1 + 1e-12)));
        assertThat(reached).isGreaterThanOrEqualTo(SEEDS * 3 / 4);
    }
}
