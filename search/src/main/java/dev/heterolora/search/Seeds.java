package dev.heterolora.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The plans a GA's first generation starts from besides random ones. Random plans repaired into a small budget
 * are poor and alike, and the GA can spend hundreds of generations finding a single valuable site that a look at
 * per-site scores shows at once; so where the fitness has per-site scores (exact or a
 * {@link PlanFitness#surrogate()}), the population starts with their knapsack optimum and greedy plans (best score
 * per parameter first), and always with the fixed-rule baselines that fit. Elitism then guarantees the GA never
 * answers worse than any of them.
 */
final class Seeds {

    private Seeds() {}

    /**
     * Distinct feasible genotypes, most promising first, at most half the population (the rest stays random for
     * diversity): the guide's DP optimum, its greedy plans, then {@code topk}, {@code peft-default},
     * {@code all-linear} and {@code uniform} where they apply and fit.
     *
     * @param additive the knapsack of the fitness's additive part, if any (an additive fitness is its own best
     *                 surrogate, and its DP optimum is computed only once per run)
     */
    static List<int[]> of(SearchSpace space, SearchSettings settings, PlanFitness fitness,
                          Optional<Knapsack> additive) {
        Optional<Knapsack> guide = additive.isPresent() ? additive : Knapsack.of(space, fitness.surrogate());
        List<int[]> candidates = new ArrayList<>();
        guide.ifPresent(k -> {
            k.exact().ifPresent(candidates::add);
            candidates.add(k.greedy());
            candidates.addAll(k.greedyPerRank());
        });
        for (Baseline b : List.of(Baseline.TOPK, Baseline.PEFT_DEFAULT, Baseline.ALL_LINEAR, Baseline.UNIFORM)) {
            if (b.inapplicable(space, settings, guide.isPresent()).isEmpty()
                    && b.doesNotFit(space, settings).isEmpty()) {
                candidates.add(b.ladder(space, settings, guide.map(Knapsack::table)).getLast());
            }
        }
        List<int[]> seeds = new ArrayList<>();
        for (int[] g : candidates) {
            if (seeds.size() < settings.population() / 2 && seeds.stream().noneMatch(s -> Arrays.equals(s, g))) {
                seeds.add(g);
            }
        }
        return seeds;
    }
}
