package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one path from genotypes to evaluations shared by every strategy, so that all of them number, cache and
 * report trials the same way: each distinct plan is evaluated once per run (later requests are answered from the
 * cache), new plans of a batch go to the fitness in one call in first-appearance order, and each is sent to the
 * sink once with its sequence number. That order is what a replay must reproduce.
 *
 * <p>Memory stays small on large models: the cache holds a compact genotype and an evaluation per plan (a plan of
 * Llama-7B's 351 sites takes some 20 KB as an {@link AdapterPlan}, and a search evaluates tens of thousands); only
 * the best plan and the Pareto front are kept whole.
 */
final class TrialRecorder {

    private final SearchSpace space;
    private final PlanFitness fitness;
    private final TrialSink sink;
    private final Map<Genes, Evaluation> cache = new HashMap<>();
    private final List<ScoredPlan> front = new ArrayList<>();
    private int evaluations;
    private ScoredPlan best;

    TrialRecorder(SearchSpace space, PlanFitness fitness, TrialSink sink) {
        this.space = space;
        this.fitness = fitness;
        this.sink = sink;
    }

    /**
     * A genotype as a map key, two bytes a gene (distinct genotypes of a space are distinct plans).
     *
     * @throws IllegalArgumentException for a gene above 65535 (a site with that many allowed ranks)
     */
    private record Genes(char[] rankIndices) {
        static Genes of(int[] g) {
            char[] c = new char[g.length];
            for (int s = 0; s < g.length; s++) {
                if (g[s] > Character.MAX_VALUE) {
                    throw new IllegalArgumentException("gene " + s + " = " + g[s] + " is above 65535");
                }
                c[s] = (char) g[s];
            }
            return new Genes(c);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Genes other && Arrays.equals(rankIndices, other.rankIndices);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(rankIndices);
        }
    }

    /**
     * Scores feasible genotypes; the ranking fitness ({@link ScoredPlan#rankingFitness()}) of each, in order.
     *
     * @throws IllegalStateException if a genotype is over budget (strategies repair before evaluating)
     */
    double[] evaluate(List<int[]> genotypes, int generation) {
        List<Genes> keys = new ArrayList<>(genotypes.size());
        Map<Genes, int[]> fresh = new LinkedHashMap<>();
        for (int[] g : genotypes) {
            long parameters = space.parameters(g);
            if (parameters > space.budget()) {
                throw new IllegalStateException("genotype over budget reached evaluation: " + parameters + " > "
                        + space.budget());
            }
            Genes key = Genes.of(g);
            keys.add(key);
            if (!cache.containsKey(key)) {
                fresh.putIfAbsent(key, g);
            }
        }
        if (!fresh.isEmpty()) {
            evaluateFresh(fresh, generation);
        }
        return keys.stream().mapToDouble(k -> ranking(cache.get(k))).toArray();
    }

    private void evaluateFresh(Map<Genes, int[]> genotypes, int generation) {
        List<int[]> batch = new ArrayList<>(genotypes.values());
        List<AdapterPlan> plans = batch.stream().map(space::toPlan).toList();
        sink.evaluating(generation);
        long start = System.nanoTime();
        List<Evaluation> results = fitness.evaluate(plans);
        double seconds = (System.nanoTime() - start) / 1e9 / plans.size();
        if (results.size() != plans.size()) {
            throw new IllegalStateException("fitness returned " + results.size() + " evaluations for "
                    + plans.size() + " plans");
        }
        List<Genes> keys = new ArrayList<>(genotypes.keySet());
        for (int i = 0; i < plans.size(); i++) {
            ScoredPlan scored = new ScoredPlan(plans.get(i), space.parameters(batch.get(i)), results.get(i));
            cache.put(keys.get(i), results.get(i));
            sink.accept(evaluations++, generation, scored.plan(), scored.parameters(), true, scored.evaluation(),
                    seconds);
            if (best == null || ScoredPlan.BETTER_FIRST.compare(scored, best) < 0) {
                best = scored;
            }
            addToFront(scored);
        }
    }

    /** The evaluated plan of a genotype already passed to {@link #evaluate}. */
    ScoredPlan scored(int[] genotype) {
        Evaluation e = cache.get(Genes.of(genotype));
        if (e == null) {
            throw new IllegalStateException("genotype was never evaluated");
        }
        return new ScoredPlan(space.toPlan(genotype), space.parameters(genotype), e);
    }

    private static double ranking(Evaluation e) {
        return Double.isNaN(e.fitness()) ? Double.NEGATIVE_INFINITY : e.fitness();
    }

    /**
     * Keeps the front non-dominated over every plan so far: a plan joins unless an earlier one has no more
     * parameters and no lower fitness, and then pushes out those with no fewer parameters and no higher fitness.
     */
    private void addToFront(ScoredPlan p) {
        boolean dominated = front.stream().anyMatch(q -> q.parameters() <= p.parameters()
                && q.rankingFitness() >= p.rankingFitness());
        if (!dominated) {
            front.removeIf(q -> q.parameters() >= p.parameters() && q.rankingFitness() <= p.rankingFitness());
            front.add(p);
        }
    }

    /** Distinct plans evaluated so far. */
    int evaluations() {
        return evaluations;
    }

    /** The best plan evaluated so far by {@link ScoredPlan#BETTER_FIRST} (the earliest among equals). */
    ScoredPlan best() {
        return best;
    }

    /** Progress line of a generation whose individuals scored {@code fitness}. */
    GenerationStats stats(int generation, double[] fitness, double feasibleShare) {
        return GenerationStats.of(generation, evaluations, best.evaluation().fitness(), fitness, feasibleShare);
    }

    /**
     * The plans of this run no other plan of the run dominates on (fitness ↑, parameters ↓), fewest parameters
     * first; of plans equal in both, the first evaluated.
     */
    List<ScoredPlan> paretoFront() {
        return front.stream().sorted(Comparator.comparingLong(ScoredPlan::parameters)).toList();
    }

    /**
     * The result of a run that picked {@code chosen} and stopped for {@code stop}, with the optimum or upper bound
     * of {@code additive} (the fitness's additive part, if any) to say how far from the best possible it is.
     */
    SearchResult result(String strategy, ScoredPlan chosen, List<GenerationStats> history, List<ScoredPlan> front,
                        StopReason stop, Optional<Knapsack> additive) {
        return new SearchResult(strategy, chosen, evaluations, history, front,
                Quality.of(stop, history.size() - 1, chosen.rankingFitness(), additive));
    }

    /**
     * The result of a single-objective, single-batch strategy that evaluated {@code batch} (with
     * {@code fitness}, as {@link #evaluate} gave it) and picked {@code chosen}.
     */
    SearchResult result(String strategy, ScoredPlan chosen, double[] fitness, double feasibleShare, StopReason stop,
                        Optional<Knapsack> additive) {
        return result(strategy, chosen, List.of(stats(0, fitness, feasibleShare)), List.of(), stop, additive);
    }
}
