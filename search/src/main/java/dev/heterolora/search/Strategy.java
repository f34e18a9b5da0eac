package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.List;
import java.util.Locale;

/**
 * A way of choosing a plan in a {@link SearchSpace}: {@code auto} (exact where the fitness allows, else the GA),
 * the GA the tool exists for, its multi-objective variant, the exact DP, and the baselines it must be compared
 * against honestly. The set is closed (the CLI's {@code --strategy} lists it), so the interface is sealed.
 *
 * <p>Every strategy evaluates only plans within the budget (genotypes are repaired first, see
 * {@link SearchSpace}), evaluates each distinct plan at most once per run, reports every evaluated plan to the sink
 * in evaluation order, and draws all randomness from {@link SearchSettings#random()}: the same inputs give the
 * same sequence of plans, which is what replays check.
 */
public sealed interface Strategy
        permits AutoSearch, GeneticSearch, Nsga2Search, KnapsackSearch, BaselineSearch, RandomSearch {

    /**
     * The name users type ({@code auto}, {@code ga}, {@code nsga2}, {@code knapsack}, {@code uniform},
     * {@code peft-default}, {@code all-linear}, {@code topk}, {@code random}).
     */
    String name();

    /**
     * Runs the search.
     *
     * @param sink receives every evaluated plan once, in evaluation order
     * @throws HeteroloraException if the strategy cannot work with this fitness or budget (one-line reason)
     */
    SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink);

    /** Every strategy, the default ({@code auto}) first. */
    static List<Strategy> all() {
        return List.of(new AutoSearch(), new GeneticSearch(), new Nsga2Search(), new KnapsackSearch(),
                new BaselineSearch(Baseline.UNIFORM), new BaselineSearch(Baseline.PEFT_DEFAULT),
                new BaselineSearch(Baseline.ALL_LINEAR), new BaselineSearch(Baseline.TOPK), new RandomSearch());
    }

    /** The strategy called {@code name} (case-insensitive). */
    static Strategy named(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return all().stream().filter(s -> s.name().equals(n)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown strategy '" + name + "' (expected one of "
                        + String.join(", ", all().stream().map(Strategy::name).toList()) + ")"));
    }
}
