package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What {@code heterolora bench search} measures: how close each strategy gets to the exact optimum of an additive
 * fitness on Llama-7B's 351 sites, and how many evaluations and seconds it takes to reach
 * {@value #TARGET_PERCENT}% of it. The fitness is the table of {@link SyntheticScores} (heavy-tailed, like
 * recorded proxy scores), so the benchmark needs no model and its optimum is known exactly; the exact DP's own
 * time is part of every {@code auto} row.
 */
public final class SearchBenchmark {

    /** The share of the optimum whose first reaching each row reports. */
    public static final double TARGET_PERCENT = 99.5;
    /** What {@link #run()} compares. */
    public static final List<String> DEFAULT_STRATEGIES = List.of("auto", "ga");
    /** The seeds of {@link #run()} (each seeds both the table and the search). */
    public static final List<Long> DEFAULT_SEEDS = List.of(0L, 1L, 2L);
    /** The budgets of {@link #run()}, as fractions of the base model's parameters. */
    public static final List<Double> DEFAULT_BUDGETS = List.of(0.001, 0.002, 0.005);

    private SearchBenchmark() {}

    /**
     * One strategy on one table and budget.
     *
     * @param budgetFraction   the budget as a fraction of the base model's parameters
     * @param budget           the budget in parameters
     * @param optimum          the exact optimum (knapsack DP)
     * @param best             the fitness of the strategy's answer
     * @param percentOfOptimum {@code 100 · best / optimum}
     * @param evaluations      distinct plans the strategy evaluated
     * @param seconds          wall time of the whole run
     * @param evaluationsToTarget evaluations until the first plan at {@value #TARGET_PERCENT}% of the optimum
     *                         (empty: never reached)
     * @param secondsToTarget  wall time until then
     * @param quality          why the strategy stopped, and its gap
     */
    public record Row(String strategy, long seed, double budgetFraction, long budget, int sites, double optimum,
                      double best, double percentOfOptimum, int evaluations, double seconds,
                      OptionalInt evaluationsToTarget, OptionalDouble secondsToTarget, Quality quality) {}

    /** {@link #DEFAULT_STRATEGIES} × {@link #DEFAULT_SEEDS} × {@link #DEFAULT_BUDGETS}. */
    public static List<Row> run() {
        return run(DEFAULT_STRATEGIES, DEFAULT_SEEDS, DEFAULT_BUDGETS);
    }

    /**
     * Every named strategy (default settings with the row's seed) on every seed's table and every budget, in that
     * nesting order (budget outermost).
     */
    public static List<Row> run(List<String> strategies, List<Long> seeds, List<Double> budgetFractions) {
        ModelConfig model = SyntheticScores.llama7b();
        List<Row> rows = new ArrayList<>();
        for (double fraction : budgetFractions) {
            SearchSpace space = SearchSpace.of(model, SpaceOptions.defaults(),
                    Math.round(fraction * model.baseParameters()));
            for (long seed : seeds) {
                SiteScoreTable table = SiteScoreTable.of(space, SyntheticScores.heavyTailed(space, seed));
                double optimum = table.total(new Knapsack(space, table).requireExact());
                for (String name : strategies) {
                    rows.add(measure(Strategy.named(name), space, table, optimum, seed, fraction));
                }
            }
        }
        return rows;
    }

    private static Row measure(Strategy strategy, SearchSpace space, SiteScoreTable table, double optimum, long seed,
                               double fraction) {
        double target = optimum * TARGET_PERCENT / 100;
        long start = System.nanoTime();
        int[] reachedAt = {-1};
        double[] reachedAfter = {0};
        TrialSink sink = (seq, generation, plan, parameters, feasible, evaluation, s) -> {
            if (reachedAt[0] < 0 && evaluation.fitness() >= target) {
                reachedAt[0] = seq + 1;
                reachedAfter[0] = (System.nanoTime() - start) / 1e9;
            }
        };
        SearchResult result = strategy.run(space, new TableFitness(space, table), SearchSettings.defaults(seed), sink);
        double seconds = (System.nanoTime() - start) / 1e9;
        double best = result.best().evaluation().fitness();
        return new Row(strategy.name(), seed, fraction, space.budget(), space.size(), optimum, best,
                100 * best / optimum, result.evaluations(), seconds,
                reachedAt[0] < 0 ? OptionalInt.empty() : OptionalInt.of(reachedAt[0]),
                reachedAt[0] < 0 ? OptionalDouble.empty() : OptionalDouble.of(reachedAfter[0]), result.quality());
    }

    /** The additive fitness of a tabulated space: a plan's total score. */
    private record TableFitness(SearchSpace space, SiteScoreTable table) implements PlanFitness {
        @Override
        public List<Evaluation> evaluate(List<AdapterPlan> plans) {
            return plans.stream().map(p -> {
                double total = table.total(space.encode(p));
                return new Evaluation(total, Map.of("synthetic", total));
            }).toList();
        }

        @Override
        public Optional<SiteScores> additive() {
            return Optional.of(table);
        }
    }
}
