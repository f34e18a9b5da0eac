package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelFamily;
import dev.heterolora.core.SiteKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every baseline's definition and its "does not fit" message, and knapsack, on tiny hand-made spaces with known
 * answers. Most use 2 layers of a 4-wide Llama, sites q (4→4: 8 parameters per rank, ranks 0, 1, 2, 4) and v
 * (4→2: 6 per rank, ranks capped to 0, 1, 2).
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

        SearchResult tight = new BaselineSearch(Baseline.UNIFORM).run(space(40), fitness, settings(2, 1), new TrialLog());
        TrialLog log = new TrialLog();
        SearchResult wide = new BaselineSearch(Baseline.UNIFORM).run(space(100), fitness, settings(2, 1), log);

        assertThat(tight.best().plan()).isEqualTo(plan("{\"sites\":{\"0.q\":1,\"0.v\":1,\"1.q\":1,\"1.v\":1}}"));
        assertThat(tight.evaluations()).isEqualTo(1);
        // rank 4 lands on v as its cap 2: 2·(4·8 + 2·6) = 88 parameters
        assertThat(log.plans()).containsExactly(
                plan("{\"sites\":{\"0.q\":1,\"0.v\":1,\"1.q\":1,\"1.v\":1}}"),
                plan("{\"sites\":{\"0.q\":2,\"0.v\":2,\"1.q\":2,\"1.v\":2}}"),
                plan("{\"sites\":{\"0.q\":4,\"0.v\":2,\"1.q\":4,\"1.v\":2}}"));
        assertThat(wide.best().plan()).isEqualTo(log.plans().getLast());
        assertThat(wide.best().parameters()).isEqualTo(88);
        assertThatThrownBy(() -> new BaselineSearch(Baseline.UNIFORM).run(space(27), fitness, settings(2, 1), new TrialLog()))
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
        assertThat(new BaselineSearch(Baseline.TOPK).run(space(30), fitness, settings(2, 1), new TrialLog()).best().plan())
                .isEqualTo(plan("{\"sites\":{\"0.v\":2,\"1.v\":2}}"));
        assertThat(new BaselineSearch(Baseline.TOPK).run(space(40), fitness, settings(2, 1), new TrialLog()).best().plan())
                .isEqualTo(plan("{\"sites\":{\"0.q\":2,\"0.v\":2,\"1.v\":2}}"));
        assertThat(new BaselineSearch(Baseline.TOPK).run(space(40), fitness, settings(2, 0.25), new TrialLog()).best().plan())
                .isEqualTo(plan("{\"sites\":{\"0.v\":2}}"));
        // at rank 4 (v capped at 2): 0.v (9), 1.q (8), 1.v (7), 0.q (6); 0.v 12 + 1.q 32 = 44, 1.v would be 56
        SearchResult rank4 = new BaselineSearch(Baseline.TOPK).run(space(50), fitness, settings(4, 1), new TrialLog());
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
        for (Strategy s : List.of(new BaselineSearch(Baseline.TOPK), new KnapsackSearch())) {
            assertThatThrownBy(() -> s.run(space(40), opaque, settings(2, 1), new TrialLog()))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessageStartingWith("strategy " + s.name() + " needs a fitness that is a sum of per-site scores");
        }
        assertThatThrownBy(() -> new BaselineSearch(Baseline.TOPK).run(space(40), new Fixtures.AdditiveFitness(linear),
                settings(8, 1), new TrialLog()))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("top-k rank 8 is not one of");
    }

    @Test
    void strategiesAreFoundByNameWithAutoTheDefault() {
        assertThat(Strategy.all()).extracting(Strategy::name).containsExactly("auto", "ga", "nsga2", "knapsack",
                "uniform", "peft-default", "all-linear", "topk", "random");
        assertThat(Strategy.named(" GA ")).isEqualTo(new GeneticSearch());
        assertThat(Strategy.named("peft-default")).isEqualTo(new BaselineSearch(Baseline.PEFT_DEFAULT));
        assertThat(Strategy.named("All-Linear")).isEqualTo(new BaselineSearch(Baseline.ALL_LINEAR));
        assertThatThrownBy(() -> Strategy.named("anneal")).isInstanceOf(HeteroloraException.class)
                .hasMessage("unknown strategy 'anneal' (expected one of auto, ga, nsga2, knapsack, uniform,"
                        + " peft-default, all-linear, topk, random)");
        assertThatThrownBy(() -> new BaselineSearch(Baseline.RANDOM)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Baseline.named("TopK")).isEqualTo(Baseline.TOPK);
    }

    /**
     * 2 layers of an 8-wide Llama (2 heads, 1 KV head of 4), every kind, ranks 1, 2, 4, 8. Per rank: q and o 16
     * parameters, k and v 12 (capped at rank 4), gate, up and down 24, each shortcut 16; so rank 1 costs 56 on
     * q and v, 256 on the 14 projections and 368 on all 21 sites.
     */
    private static SearchSpace wide(long budget) {
        return SearchSpace.of(Fixtures.llama(2, 8, 2, 1, 16),
                new SpaceOptions(EnumSet.allOf(SiteKind.class), true, List.of(1, 2, 4, 8), AlphaRule.DEFAULT),
                budget);
    }

    @Test
    void peftDefaultIsTheLargestUniformRankOnPeftsDefaultTargetsQAndVOrGpt2sCAttn() {
        SearchSettings settings = settings(8, 1);
        Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(linear);

        assertThat(Baseline.PEFT_DEFAULT.plans(wide(120), settings, Optional.empty()))
                .containsExactly(plan("{\"sites\":{\"0.q\":2,\"0.v\":2,\"1.q\":2,\"1.v\":2}}"));
        SearchSpace gpt2 = SearchSpace.of(Fixtures.gpt2(2, 8, 2), SpaceOptions.defaults(), 200);
        assertThat(Baseline.PEFT_DEFAULT.plans(gpt2, settings, Optional.empty()))
                .containsExactly(plan("{\"sites\":{\"0.qkv\":2,\"1.qkv\":2}}"));
        assertThat(Baseline.peftDefaultKinds(ModelFamily.QWEN2)).containsExactly(SiteKind.Q, SiteKind.V);

        TrialLog log = new TrialLog();
        SearchResult strategy = Strategy.named("peft-default").run(wide(120), fitness, settings, log);
        assertThat(log.plans()).containsExactly(plan("{\"sites\":{\"0.q\":1,\"0.v\":1,\"1.q\":1,\"1.v\":1}}"),
                plan("{\"sites\":{\"0.q\":2,\"0.v\":2,\"1.q\":2,\"1.v\":2}}"));
        assertThat(strategy.best().plan()).isEqualTo(log.plans().getLast());
        assertThat(strategy.best().parameters()).isEqualTo(112);
        assertThat(strategy.quality().stopReason()).isEqualTo(StopReason.RULE);
        assertThat(Baseline.PEFT_DEFAULT.evaluate(wide(120), fitness, settings))
                .isEqualTo(new BaselineResult.Scored(Baseline.PEFT_DEFAULT, 112, strategy.best().evaluation().fitness()));
    }

    @Test
    void allLinearIsTheLargestUniformRankOnEveryProjectionWithoutShortcuts() {
        assertThat(Baseline.ALL_LINEAR.plans(wide(600), settings(8, 1), Optional.empty())).singleElement()
                .satisfies(p -> {
                    assertThat(p.adapters()).hasSize(14).allSatisfy((site, a) -> {
                        assertThat(site.kind().isShortcut()).isFalse();
                        assertThat(a.rank()).isEqualTo(2);
                    });
                    assertThat(p.trainableParameters(wide(600).config())).isEqualTo(512);
                });
        // at rank 4 the capped k and v keep 4: 2·(16+12+12+16+24+24+24)·4 = 1024 > 600
        assertThat(Strategy.named("all-linear").run(wide(1100), new Fixtures.AdditiveFitness(linear),
                settings(8, 1), new TrialLog()).best().parameters()).isEqualTo(1024);
    }

    @Test
    void aRuleThatCannotFitSaysSoWithTheBudgetItNeedsBeforeAnyFitness() {
        SearchSettings settings = settings(8, 1);

        List<BaselineResult.DoesNotFit> unfit = Baseline.check(wide(120), settings);

        assertThat(unfit).extracting(BaselineResult.DoesNotFit::message).containsExactly(
                "no all-linear plan fits the budget of 120 parameters: rank 1 on all 14 projection sites needs 256",
                "no uniform plan fits the budget of 120 parameters: rank 1 on all 21 sites needs 368");
        assertThat(unfit.getFirst().toJson().toString())
                .isEqualTo("{\"name\":\"all-linear\",\"fits\":false,\"needs_params\":256}");
        assertThat(Baseline.PEFT_DEFAULT.doesNotFit(wide(50), settings)).hasValueSatisfying(u -> {
            assertThat(u.needsParameters()).isEqualTo(56);
            assertThat(u.message())
                    .isEqualTo("no peft-default plan fits the budget of 50 parameters: rank 1 on all 4 q, v sites needs 56");
        });
        // top-k at rank 8: the cheapest site is k or v, capped at rank 4 (48 parameters)
        assertThat(Baseline.TOPK.doesNotFit(wide(47), settings)).hasValueSatisfying(u -> assertThat(u.message())
                .isEqualTo("no topk plan fits the budget of 47 parameters: rank 8 at the cheapest site needs 48"));
        assertThatThrownBy(() -> Strategy.named("all-linear").run(wide(120), new Fixtures.AdditiveFitness(linear),
                settings, new TrialLog())).isInstanceOf(HeteroloraException.class).hasMessage(unfit.getFirst().message());
        SearchSpace noQv = SearchSpace.of(Fixtures.llama(2, 8, 2, 1, 16),
                new SpaceOptions(EnumSet.of(SiteKind.K, SiteKind.O), false, List.of(1, 2), AlphaRule.DEFAULT), 500);
        assertThat(Baseline.PEFT_DEFAULT.inapplicable(noQv, settings, true))
                .contains("peft-default: the search space has no q, v sites");
    }

    @Test
    void randomIsTheMeanFitnessOfTwentySeededFeasiblePlans() {
        SearchSpace space = wide(300);
        Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(linear);
        SearchSettings settings = settings(8, 1);

        List<AdapterPlan> plans = Baseline.RANDOM.plans(space, settings, Optional.empty());
        BaselineResult result = Baseline.RANDOM.evaluate(space, fitness, settings);

        assertThat(plans).hasSize(Baseline.RANDOM_PLANS).isEqualTo(Baseline.RANDOM.plans(space, settings,
                Optional.empty())).allSatisfy(p -> assertThat(p.trainableParameters(space.config()))
                .isLessThanOrEqualTo(300));
        assertThat(result).isInstanceOfSatisfying(BaselineResult.Scored.class, r -> assertThat(r.fitness())
                .isCloseTo(fitness.evaluate(plans).stream().mapToDouble(Evaluation::fitness).average()
                        .orElseThrow(), within(1e-12)));
        assertThat(result.toJson().fieldNames()).toIterable().containsExactly("name", "fits", "params", "fitness");
    }

    @Test
    void theBaselineTableListsEveryRuleThatAppliesFittingOrNot() {
        SearchSettings settings = settings(8, 1);

        List<BaselineResult> withScores = Baseline.evaluateAll(wide(120), new Fixtures.AdditiveFitness(linear),
                settings);
        List<BaselineResult> without = Baseline.evaluateAll(wide(120), new Fixtures.InteractingFitness(linear),
                settings);

        assertThat(withScores).extracting(BaselineResult::baseline).containsExactly(Baseline.values());
        assertThat(withScores).extracting(BaselineResult::fits).containsExactly(true, false, false, true, true);
        assertThat(without).extracting(BaselineResult::baseline)
                .containsExactly(Baseline.PEFT_DEFAULT, Baseline.ALL_LINEAR, Baseline.UNIFORM, Baseline.RANDOM);
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
