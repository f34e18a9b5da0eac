package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The acceptance test for fitness that is not additive, where no exact optimum is known: on Llama-7B's 351
 * sites at 0.2%, the default GA must reach 99% of the best plan that five restarts of a run ten times as long
 * (generation and steady-fitness limits ×10) find, on several seeds, both without any per-site help
 * ({@link Fixtures.LayerConcaveFitness}) and with a surrogate ({@link Fixtures.VoteFitness}).
 *
 * <p>The long runs take minutes, so they are the {@code slow} test (run with {@code -Pslow}); the fast test holds
 * GA runs against the values they recorded ({@link #LONG_RUNS}), which the slow test checks are still the best
 * known.
 */
class GaConvergenceTest {

    private static final double FRACTION = 0.002;
    private static final int RESTARTS = 5;
    private static final int LONGER = 10;

    /** A non-additive objective of the test. */
    enum Objective {
        LAYER_CONCAVE(Fixtures.LayerConcaveFitness::new),
        VOTE(Fixtures.VoteFitness::new);

        private final BiFunction<SearchSpace, Long, PlanFitness> make;

        Objective(BiFunction<SearchSpace, Long, PlanFitness> make) {
            this.make = make;
        }

        PlanFitness on(SearchSpace space, long seed) {
            return make.apply(space, seed);
        }
    }

    /**
     * Best fitness of {@value #RESTARTS} restarts ×{@value #LONGER} as long, as the slow test printed it (11 minutes
     * on 2 cores; the default GA reached 99.68–99.94% of them).
     */
    private static final Map<String, Double> LONG_RUNS = Map.of(
            "LAYER_CONCAVE/0", 842.3454174,
            "LAYER_CONCAVE/1", 714.9285545,
            "LAYER_CONCAVE/2", 788.3835224,
            "VOTE/0", 7.734089765,
            "VOTE/1", 10.77055433,
            "VOTE/2", 6.258609109);

    static Stream<Arguments> cases() {
        return Stream.of(Objective.values()).flatMap(o -> LongStream.rangeClosed(0, 2).mapToObj(s -> Arguments.of(o, s)));
    }

    private static final SearchSpace SPACE = Fixtures.llama7b(FRACTION);

    private static SearchResult ga(PlanFitness fitness, SearchSettings settings) {
        return new GeneticSearch().run(SPACE, fitness, settings, (seq, gen, plan, params, ok, eval, s) -> { });
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void gaReaches99PercentOfTheRecordedLongRuns(Objective objective, long seed) {
        long start = System.nanoTime();
        SearchResult result = ga(objective.on(SPACE, seed), SearchSettings.defaults(seed));
        double reference = LONG_RUNS.get(objective + "/" + seed);
        double ga = result.best().evaluation().fitness();
        System.out.printf("%s seed %d: ga %.6g = %.3f%% of the long runs' %.6g (%s after %d generations, %d"
                        + " evaluations, %.1f s)%n", objective, seed, ga, 100 * ga / reference, reference,
                result.quality().stopReason(), result.quality().generations(), result.evaluations(),
                (System.nanoTime() - start) / 1e9);

        assertThat(ga).isGreaterThanOrEqualTo(0.99 * reference);
        assertThat(result.quality().optimum()).isEmpty();
        assertThat(result.quality().upperBound()).isEmpty();
    }

    @Tag("slow")
    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void gaReaches99PercentOfFiveRestartsOfATenTimesLongerRun(Objective objective, long seed) {
        PlanFitness fitness = objective.on(SPACE, seed);
        SearchSettings d = SearchSettings.defaults(seed);
        double best = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < RESTARTS; r++) {
            SearchSettings longer = new SearchSettings(1000 + 10 * seed + r, d.population(),
                    LONGER * d.generationLimit(SPACE.size()), LONGER * d.steadyLimit(SPACE.size()), d.samples(),
                    d.topkRank(), d.topkFraction());
            SearchResult run = ga(fitness, longer);
            System.out.printf("%s seed %d restart %d: %.10g (%s after %d generations)%n", objective, seed, r,
                    run.best().evaluation().fitness(), run.quality().stopReason(), run.quality().generations());
            best = Math.max(best, run.best().evaluation().fitness());
        }
        double ga = ga(fitness, d).best().evaluation().fitness();
        System.out.printf("%s seed %d: long runs' best %.10g, ga %.3f%% of it%n", objective, seed, best,
                100 * ga / best);

        assertThat(ga).isGreaterThanOrEqualTo(0.99 * best);
        assertThat(LONG_RUNS.get(objective + "/" + seed)).isGreaterThanOrEqualTo(0.999 * best);
    }
}
