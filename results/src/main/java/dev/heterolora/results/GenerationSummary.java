package dev.heterolora.results;

import dev.heterolora.studies.Trial;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One generation of a search, as the search-history chart and table show it.
 *
 * @param trials        trials evaluated in the generation
 * @param feasible      of which feasible (within budget)
 * @param feasibleShare {@code feasible / trials}
 * @param median        median fitness of the generation's feasible trials with a finite fitness; NaN if none
 * @param best          best (highest) such fitness in the generation; NaN if none
 * @param bestSoFar     best fitness up to and including this generation (the running maximum); NaN until one exists
 */
public record GenerationSummary(int generation, int trials, int feasible, double feasibleShare, double median,
                                double best, double bestSoFar) {
    /** Summarises a study's trials per generation, in generation order. */
    public static List<GenerationSummary> of(List<Trial> trials) {
        Map<Integer, List<Trial>> byGeneration = new TreeMap<>();
        for (Trial t : trials) {
            byGeneration.computeIfAbsent(t.generation(), g -> new ArrayList<>()).add(t);
        }
        List<GenerationSummary> out = new ArrayList<>();
        double bestSoFar = Double.NaN;
        for (Map.Entry<Integer, List<Trial>> e : byGeneration.entrySet()) {
            List<Trial> g = e.getValue();
            int feasible = (int) g.stream().filter(Trial::feasible).count();
            double[] fitness = g.stream().filter(Trial::feasible).mapToDouble(Trial::fitness)
                    .filter(Double::isFinite).sorted().toArray();
            double best = fitness.length == 0 ? Double.NaN : fitness[fitness.length - 1];
            if (!Double.isNaN(best)) {
                bestSoFar = Double.isNaN(bestSoFar) ? best : Math.max(bestSoFar, best);
            }
            out.add(new GenerationSummary(e.getKey(), g.size(), feasible, (double) feasible / g.size(),
                    median(fitness), best, bestSoFar));
        }
        return out;
    }

    /** The median of sorted values (mean of the middle two for an even count); NaN for none. */
    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
