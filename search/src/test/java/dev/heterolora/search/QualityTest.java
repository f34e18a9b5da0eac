package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.heterolora.core.HeteroloraException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every result says why its strategy stopped and, for additive fitness, how far it is from the optimum. */
class QualityTest {

    private static final SearchSpace SPACE = SearchSpace.of(Fixtures.llamaTiny(), SpaceOptions.defaults(), 15_000);
    private static final Fixtures.AdditiveFitness ADDITIVE =
            new Fixtures.AdditiveFitness(Fixtures.diminishingScores(SPACE, 3));

    private static SearchResult run(String strategy, PlanFitness fitness, SearchSettings settings) {
        return Strategy.named(strategy).run(SPACE, fitness, settings, new TrialLog());
    }

    @Test
    void autoIsExactOnAdditiveFitnessAndEveryOtherStrategyReportsItsGapToThatOptimum() {
        SearchSettings settings = Fixtures.quick(1, SPACE);

        SearchResult auto = run("auto", ADDITIVE, settings);
        SearchResult uniform = run("uniform", ADDITIVE, settings);
        SearchResult random = run("random", ADDITIVE, settings);

        double optimum = auto.best().evaluation().fitness();
        assertThat(auto.quality().stopReason()).isEqualTo(StopReason.EXACT);
        assertThat(auto.quality().optimum().orElseThrow()).isCloseTo(optimum, within(1e-12));
        assertThat(auto.quality().gapPercent().orElseThrow()).isCloseTo(0, within(1e-9));
        assertThat(auto.quality().describe()).isEqualTo("exact optimum (knapsack dynamic programming)");
        assertThat(auto.best()).isEqualTo(run("knapsack", ADDITIVE, settings).best());

        assertThat(uniform.quality().stopReason()).isEqualTo(StopReason.RULE);
        assertThat(random.quality().stopReason()).isEqualTo(StopReason.SAMPLES);
        for (SearchResult r : List.of(uniform, random)) {
            double best = r.best().evaluation().fitness();
            assertThat(r.quality().optimum()).hasValue(auto.quality().optimum().orElseThrow());
            assertThat(r.quality().gapPercent().orElseThrow()).isPositive()
                    .isCloseTo(100 * (optimum - best) / optimum, within(1e-9));
            assertThat(r.quality().generations()).isZero();
        }
        assertThat(uniform.quality().describe()).startsWith("fixed rule; ").contains("% below the optimum ");
        assertThat(uniform.quality().toJson().fieldNames()).toIterable()
                .containsExactly("stop_reason", "generations", "optimum", "gap_percent");
        assertThat(uniform.quality().toJson().get("stop_reason").asText()).isEqualTo("rule");
    }

    @Test
    void theGaStopsOnSteadyFitnessOrItsGenerationLimitAndSaysWhich() {
        // seeded with the optimum of an additive fitness, it never improves: two steady generations end it
        SearchResult steady = run("ga", ADDITIVE, new SearchSettings(1, 20, 50, 2, 1, 8, 1));
        SearchResult capped = run("ga", new Fixtures.InteractingFitness(Fixtures.diminishingScores(SPACE, 3)),
                new SearchSettings(1, 20, 3, 50, 1, 8, 1));

        assertThat(steady.quality().stopReason()).isEqualTo(StopReason.STEADY_FITNESS);
        assertThat(steady.quality().generations()).isEqualTo(2).isEqualTo(steady.history().size() - 1);
        assertThat(steady.quality().gapPercent().orElseThrow()).isCloseTo(0, within(1e-9));
        assertThat(steady.quality().describe()).isEqualTo("steady fitness after 2 generations; 0.00% below the"
                + " optimum " + String.format("%.6g", steady.quality().optimum().orElseThrow()));
        assertThat(capped.quality().stopReason()).isEqualTo(StopReason.GENERATION_LIMIT);
        assertThat(capped.quality().generations()).isEqualTo(3);
        assertThat(capped.quality().optimum()).isEmpty();
        assertThat(capped.quality().upperBound()).isEmpty();
        assertThat(capped.quality().gapPercent()).isEmpty();
        assertThat(capped.quality().toJson().toString())
                .isEqualTo("{\"stop_reason\":\"generation_limit\",\"generations\":3}");
    }

    @Test
    void whereTheDynamicProgramIsTooLargeTheLpRelaxationBoundsTheAnswer() {
        // Llama-7B at 3%: 351 sites × 790 000 budget steps is beyond the DP's table limit, and not every site fits
        // at its largest rank (that takes 3.4%)
        SearchSpace space = Fixtures.llama7b(0.03);
        Fixtures.AdditiveFitness fitness =
                new Fixtures.AdditiveFitness(SiteScoreTable.of(space, SyntheticScores.heavyTailed(space, 0)));

        SearchResult auto = new AutoSearch().run(space, fitness, new SearchSettings(0, 10, 2, 2, 1, 8, 1),
                new TrialLog());

        assertThat(auto.quality().stopReason()).isIn(StopReason.STEADY_FITNESS, StopReason.GENERATION_LIMIT);
        assertThat(auto.quality().optimum()).isEmpty();
        assertThat(auto.quality().upperBound().orElseThrow())
                .isGreaterThanOrEqualTo(auto.best().evaluation().fitness() * (1 - 1e-12));
        // the greedy seed alone is within a fraction of a percent of the bound
        assertThat(auto.quality().gapPercent().orElseThrow()).isBetween(0.0, 0.5);
        assertThat(auto.quality().describe()).contains("at most ").contains("(LP upper bound ");
        assertThatThrownBy(() -> new KnapsackSearch().run(space, fitness, SearchSettings.defaults(0), new TrialLog()))
                .isInstanceOf(HeteroloraException.class)
                .hasMessageMatching("knapsack table of 351 sites × \\d+ budget steps is too large; use --strategy ga");
    }

    @Test
    void theLimitsScaleWithTheSitesUnlessGiven() {
        SearchSettings d = SearchSettings.defaults(0);

        assertThat(d.generations()).isEqualTo(SearchSettings.AUTO);
        assertThat(d.generationLimit(43)).isEqualTo(500);
        assertThat(d.steadyLimit(43)).isEqualTo(80);
        assertThat(d.generationLimit(351)).isEqualTo(1053);
        assertThat(d.steadyLimit(351)).isEqualTo(176);
        SearchSettings given = new SearchSettings(0, 60, 40, 15, 1, 8, 1);
        assertThat(given.generationLimit(351)).isEqualTo(40);
        assertThat(given.steadyLimit(351)).isEqualTo(15);
        assertThatThrownBy(() -> new SearchSettings(0, 60, -1, 15, 1, 8, 1)).isInstanceOf(HeteroloraException.class)
                .hasMessage("generations must be positive (or 0 = scale with the sites), got -1");
    }
}
