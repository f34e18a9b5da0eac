package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.SiteKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * uniform, topk and knapsack on a tiny hand-made space with known answers: 2 layers of a 4-wide Llama, sites q
 * (4→4: 8 parameters per rank, ranks 0, 1, 2, 4) and v (4→2: 6 per rank, ranks capped to 0, 1, 2).
 */
class BaselinesTest {

    private static final SpaceOptions QV = new SpaceOptions(EnumSet.of(SiteKind.Q, SiteKind.V), false,
            List.of(1, 2, 4), AlphaRule.DEFAULT);

    private static SearchSpace space(long budget) {
        return SearchSpace.of(Fixtures.llama(2, 4, 2, 1, 8), QV, budget);
    }

    /** Scores per site and rank; rank 0 scores 0. */
    private static SiteScores table(Map<String, Map<Integer, Double>> scores) {
        return (site, rank) -> rank == 0 ? 0 : scores.get(site.toString()).get(rank);
    }

    private static AdapterPlan plan(String json) {
        return AdapterPlan.fromJson(json);
    }

    private static SearchSettings settings(int topkRank, double topkFraction) {
        return new SearchSettings(1, 10, 10, 5, 10, topkRank, topkFraction);
    }

    private final SiteScores linear = (site, rank) -> rank * (site.kind() == SiteKind.Q ? 1.0 : 2.0);

    @Test
    void uniformTakesTheLargestRankThatFitsEvaluatingEachFittingRankOnce() {
        Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(linear);

        SearchResult tight = new UniformSearch().run(space(40), fitness, settings(2, 1), new TrialLog());
        TrialLog log = new TrialLog();
        SearchResult wide = new UniformSearch().run(space(100), fitness, settings(2, 1), log);

        assertThat(tight.best().plan()).isEqualTo(plan("{\"sites\":{\"0.q\":1,\"0.v\":1,\"1.q\":1,\"1.v\":1}}"));
        assertThat(tight.evaluations()).isEqualTo(1);
        // rank 4 lands on v as its cap 2: 2·(4·8 + 2·6) = 88 parameters
        assertThat(log.plans()).containsExactly(
                plan("{\"sites\":{\"0.q\":1,\"0.v\":1,\"1.q\":1,\"1.v\":1}}"),
                plan("{\"sites\":{\"0.q\":2,\"0.v\":2,\"1.q\":2,\"1.v\":2}}"),
                plan("{\"sites\":{\"0.q\":4,\"0.v\":2,\"1.q\":4,\"1.v\":2}}"));
        assertThat(wide.best().plan()).isEqualTo(log.plans().getLast());
        assertThat(wide.best().parameters()).isEqualTo(88);
        assertThatThrownBy(() -> new UniformSearch().run(space(27), fitness, settings(2, 1), new TrialLog()))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("no uniform plan fits the budget of 27 parameters: rank 1 on all 4 sites needs 28");
    }

    private final SiteScores topkScores = table(Map.of(
            "0.q", Map.of(1, 1.0, 2, 5.0, 4, 6.0),
            "0.v", Map.of(1, 1.0, 2, 9.0),
            "1.q", Map.of(1, 1.0, 2, 1.0, 4, 8.0),
            "1.v", Map.of(1, 1.0, 2, 7.0)));

    @Test
    void topkEnablesTheBestScoringSitesAtTheFixedRankSkippingThoseThatDoNotFit() {
        Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(topkScores);

        // at rank 2 the order is 0.v (9, 12 parameters), 1.v (7, 12), 0.q (5, 16), 1.q (1, 16)
        assertThat(new TopKSearch().run(space(30), fitness, settings(2, 1), new TrialLog()).best().plan())
                .isEqualTo(plan("{\"sites\":{\"0.v\":2,\"1.v\":2}}"));
        assertThat(new TopKSearch().run(space(40), fitness, settings(2, 1), new TrialLog()).best().plan())
                .isEqualTo(plan("{\"sites\":{\"0.q\":2,\"0.v\":2,\"1.v\":2}}"));
        assertThat(new TopKSearch().run(space(40), fitness, settings(2, 0.25), new TrialLog()).best().plan())
                .isEqualTo(plan("{\"sites\":{\"0.v\":2}}"));
        // at rank 4 (v capped at 2): 0.v (9), 1.q (8), 1.v (7), 0.q (6); 0.v 12 + 1.q 32 = 44, 1.v would be 56
        SearchResult rank4 = new TopKSearch().run(space(50), fitness, settings(4, 1), new TrialLog());
        assertThat(rank4.best().plan()).isEqualTo(plan("{\"sites\":{\"0.v\":2,\"1.q\":4}}"));
        assertThat(rank4.evaluations()).isEqualTo(1);
    }

    @Test
    void knapsackFindsTheExactOptimumWhereGreedyByScoreFails() {
        SiteScores scores = table(Map.of(
                "0.q", Map.of(1, 3.0, 2, 4.0, 4, 10.0),
                "0.v", Map.of(1, 3.0, 2, 4.0),
                "1.q", Map.of(1, 0.5, 2, 0.6, 4, 0.7),
                "1.v", Map.of(1, 2.0, 2, 4.0)));
        Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(scores);

        // 0.q at rank 4 alone (32 parameters) scores 10; 0.q:1 + 0.v:2 + 1.v:2 also costs 32 and scores 11
        SearchResult result = new KnapsackSearch().run(space(32), fitness, settings(2, 1), new TrialLog());

        assertThat(result.best().plan()).isEqualTo(plan("{\"sites\":{\"0.q\":1,\"0.v\":2,\"1.v\":2}}"));
        assertThat(result.best().evaluation().fitness()).isEqualTo(11.0);
        assertThat(result.best().parameters()).isEqualTo(32);
        assertThat(result.evaluations()).isEqualTo(1);
    }

    @Test
    void theAdditiveStrategiesRefuseAFitnessWithoutSiteScores() {
        PlanFitness opaque = new Fixtures.InteractingFitness(linear);
        for (Strategy s : List.of(new TopKSearch(), new KnapsackSearch())) {
            assertThatThrownBy(() -> s.run(space(40), opaque, settings(2, 1), new TrialLog()))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessageStartingWith("strategy " + s.name() + " needs a fitness that is a sum of per-site scores");
        }
        assertThatThrownBy(() -> new TopKSearch().run(space(40), new Fixtures.AdditiveFitness(linear),
                settings(8, 1), new TrialLog()))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("top-k rank 8 is not one of");
    }

    @Test
    void strategiesAreFoundByName() {
        assertThat(Strategy.all()).extracting(Strategy::name)
                .containsExactly("ga", "nsga2", "uniform", "random", "topk", "knapsack");
        assertThat(Strategy.named(" GA ")).isEqualTo(new GeneticSearch());
        assertThatThrownBy(() -> Strategy.named("anneal")).isInstanceOf(HeteroloraException.class)
                .hasMessage("unknown strategy 'anneal' (expected one of ga, nsga2, uniform, random, topk, knapsack)");
    }

    @Test
    void randomSearchReportsTheBestOfItsRepairedSamples() {
        SearchSpace space = space(30);
        TrialLog log = new TrialLog();

        SearchResult result = new RandomSearch().run(space, new Fixtures.AdditiveFitness(linear), settings(2, 1), log);

        assertThat(result.best().evaluation().fitness())
                .isEqualTo(log.trials().stream().mapToDouble(t -> t.evaluation().fitness()).max().orElseThrow());
        assertThat(result.history()).singleElement().satisfies(h -> {
            assertThat(h.evaluations()).isEqualTo(log.trials().size());
            assertThat(h.feasibleShare()).isBetween(0.0, 1.0);
        });
    }
}
