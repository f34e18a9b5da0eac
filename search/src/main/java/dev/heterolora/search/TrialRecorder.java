package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one path from genotypes to evaluations shared by every strategy, so that all of them number, cache and
 * report trials the same way: each distinct plan is evaluated once per run (later requests are answered from the
 * cache), new plans of a batch go to the fitness in one call in first-appearance order, and each is sent to the
 * sink once with its sequence number. That order is what a replay must reproduce.
 */
final class TrialRecorder {

    private final SearchSpace space;
    private final PlanFitness fitness;
    private final TrialSink sink;
    private final Map<AdapterPlan, ScoredPlan> cache = new HashMap<>();
    private final List<ScoredPlan> trials = new ArrayList<>();
    private ScoredPlan best;

    TrialRecorder(SearchSpace space, PlanFitness fitness, TrialSink sink) {
        this.space = space;
        this.fitness = fitness;
        this.sink = sink;
    }

    /**
     * Scores feasible genotypes, one result per genotype in order.
     *
     * @throws IllegalStateException if a genotype is over budget (strategies repair before evaluating)
     */
    List<ScoredPlan> evaluate(List<int[]> genotypes, int generation) {
        List<AdapterPlan> plans = new ArrayList<>(genotypes.size());
        Map<AdapterPlan, Long> fresh = new LinkedHashMap<>();
        for (int[] g : genotypes) {
            long parameters = space.parameters(g);
            if (parameters > space.budget()) {
                throw new IllegalStateException("genotype over budget reached evaluation: " + parameters + " > "
                        + space.budget());
            }
            AdapterPlan plan = space.toPlan(g);
            plans.add(plan);
            if (!cache.containsKey(plan)) {
                fresh.putIfAbsent(plan, parameters);
            }
        }
        if (!fresh.isEmpty()) {
            evaluateFresh(new ArrayList<>(fresh.keySet()), fresh, generation);
        }
        return plans.stream().map(cache::get).toList();
    }

    private void evaluateFresh(List<AdapterPlan> batch, Map<AdapterPlan, Long> parameters, int generation) {
        long start = System.nanoTime();
        List<Evaluation> evaluations = fitness.evaluate(batch);
        double seconds = (System.nanoTime() - start) / 1e9 / batch.size();
        if (evaluations.size() != batch.size()) {
            throw new IllegalStateException("fitness returned " + evaluations.size() + " evaluations for "
                    + batch.size() + " plans");
        }
        for (int i = 0; i < batch.size(); i++) {
            AdapterPlan plan = batch.get(i);
            ScoredPlan scored = new ScoredPlan(plan, parameters.get(plan), evaluations.get(i));
            cache.put(plan, scored);
            sink.accept(trials.size(), generation, plan, scored.parameters(), true, scored.evaluation(), seconds);
            trials.add(scored);
            if (best == null || ScoredPlan.BETTER_FIRST.compare(scored, best) < 0) {
                best = scored;
            }
        }
    }

    /** Distinct plans evaluated so far. */
    int evaluations() {
        return trials.size();
    }

    /** The best plan evaluated so far by {@link ScoredPlan#BETTER_FIRST} (the earliest among equals). */
    ScoredPlan best() {
        return best;
    }

    /** Progress line of a generation whose individuals scored {@code fitness}. */
    GenerationStats stats(int generation, double[] fitness, double feasibleShare) {
        return GenerationStats.of(generation, trials.size(), best.evaluation().fitness(), fitness, feasibleShare);
    }

    /** Progress line of a single batch. */
    GenerationStats stats(List<ScoredPlan> batch, double feasibleShare) {
        return stats(0, batch.stream().mapToDouble(s -> s.evaluation().fitness()).toArray(), feasibleShare);
    }

    /**
     * The plans of this run no other plan of the run dominates on (fitness ↑, parameters ↓), fewest parameters
     * first; of plans equal in both, the first evaluated.
     */
    List<ScoredPlan> paretoFront() {
        List<ScoredPlan> byParameters = new ArrayList<>(trials);
        byParameters.sort(Comparator.comparingLong(ScoredPlan::parameters)
                .thenComparing(ScoredPlan.BETTER_FIRST));
        List<ScoredPlan> front = new ArrayList<>();
        double bestFitness = Double.NEGATIVE_INFINITY;
        for (ScoredPlan p : byParameters) {
            if (front.isEmpty() || p.rankingFitness() > bestFitness) {
                front.add(p);
                bestFitness = p.rankingFitness();
            }
        }
        return front;
    }

    /** The result of a single-objective run that picked {@code chosen}. */
    SearchResult result(String strategy, ScoredPlan chosen, List<GenerationStats> history) {
        return new SearchResult(strategy, chosen, trials.size(), history, List.of());
    }
}
