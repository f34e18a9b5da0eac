package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.List;
import java.util.Locale;

/**
 * A way of choosing a plan in a {@link SearchSpace}: the GA the tool exists for, its multi-objective variant, and
 * the baselines it must be compared against honestly. The set is closed (the CLI's {@code --strategy} lists it),
 * so the interface is sealed.
 *
 * <p>Every strategy evaluates only plans within the budget (genotypes are repaired first, see
 * {@link SearchSpace}), evaluates each distinct plan at most once per run, reports every evaluated plan to the sink
 * in evaluation order, and draws all randomness from {@link SearchSettings#random()}: the same inputs give the
 * same sequence of plans, which is what replays check.
 */
public sealed interface Strategy
        permits GeneticSearch, Nsga2Search, UniformSearch, RandomSearch, TopKSearch, KnapsackSearch {

    /** The name users type ({@code ga}, {@code nsga2}, {@code uniform}, {@code random}, {@code topk}, {@code knapsack}). */
    String name();

    /**
     * Runs the search.
     *
     * @param sink receives every evaluated plan once, in evaluation order
     * @throws HeteroloraException if the strategy cannot work with this fitness or budget (one-line reason)
     */
    SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink);

    /** Every strategy, the default ({@code ga}) first. */
    static List<Strategy> all() {
        return List.of(new GeneticSearch(), new Nsga2Search(), new UniformSearch(), new RandomSearch(),
                new TopKSearch(), new KnapsackSearch());
    }

    /** The strategy called {@code name} (case-insensitive). */
    static Strategy named(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return all().stream().filter(s -> s.name().equals(n)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown strategy '" + name + "' (expected one of "
                        + String.join(", ", all().stream().map(Strategy::name).toList()) + ")"));
    }
}
