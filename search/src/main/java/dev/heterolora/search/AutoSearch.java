package dev.heterolora.search;

import java.util.Optional;

/**
 * {@code auto}, the default: the best strategy for the fitness at hand. A fitness that is a sum of per-site scores
 * has an exact optimum the knapsack DP finds in a fraction of a second, so searching for it would only lose (the
 * GA of old stopped at about half of it on Llama-7B's 351 sites); any other fitness gets the {@code ga}, seeded
 * from its surrogate and the baselines. Where an additive fitness's DP table would be too large, the GA runs too,
 * seeded with the greedy plans and bounded by the LP relaxation.
 */
public record AutoSearch() implements Strategy {

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        Optional<Knapsack> additive = Knapsack.of(space, fitness.additive());
        if (additive.isPresent() && additive.get().exact().isPresent()) {
            return KnapsackSearch.solve(name(), space, fitness, sink, additive.get());
        }
        return GeneticSearch.evolve(name(), space, fitness, settings, sink, additive);
    }
}
