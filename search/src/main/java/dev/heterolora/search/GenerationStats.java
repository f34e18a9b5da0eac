package dev.heterolora.search;

import java.util.Arrays;

/**
 * One line of a search's progress: what the CLI's progress bar prints per generation and the report plots as a
 * convergence curve. Strategies without generations report one line for their single batch (generation 0).
 *
 * @param generation    0 for the initial population (or the single batch), then 1, 2, …
 * @param evaluations   distinct plans evaluated so far in the run
 * @param bestFitness   best fitness of any plan evaluated so far in the run
 * @param medianFitness median fitness of this generation's individuals
 * @param feasibleShare share of this generation's individuals that were within the budget as bred, before repair
 */
public record GenerationStats(int generation, int evaluations, double bestFitness, double medianFitness,
                              double feasibleShare) {

    /** Stats of one generation from its individuals' fitness values (NaN ranks lowest). */
    static GenerationStats of(int generation, int evaluations, double bestSoFar, double[] fitness,
                              double feasibleShare) {
        double[] sorted = Arrays.stream(fitness).map(f -> Double.isNaN(f) ? Double.NEGATIVE_INFINITY : f).sorted()
                .toArray();
        int n = sorted.length;
        double median = n == 0 ? Double.NaN
                : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new GenerationStats(generation, evaluations, bestSoFar, median, feasibleShare);
    }
}
