package dev.heterolora.search;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * {@code random}, the baseline any search must beat: {@code samples} seeded random genotypes (every gene uniform
 * over its ranks), each repaired into the budget, evaluated as one batch; the best by fitness wins. These are the
 * same kind of individuals as the random part of the GA's first generation, so the GA's gain over this baseline is what evolution
 * adds. The {@code random} {@link Baseline} is the mean over the first {@value Baseline#RANDOM_PLANS} of these
 * plans.
 */
public record RandomSearch() implements Strategy {

    @Override
    public String name() {
        return "random";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        RandomGenerator random = settings.random();
        List<int[]> genotypes = new ArrayList<>(settings.samples());
        int feasible = 0;
        for (int i = 0; i < settings.samples(); i++) {
            int[] raw = space.randomGenotype(random);
            feasible += space.isFeasible(raw) ? 1 : 0;
            genotypes.add(space.repair(raw));
        }
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        double[] scored = recorder.evaluate(genotypes, 0);
        return recorder.result(name(), recorder.best(), scored, feasible / (double) settings.samples(),
                StopReason.SAMPLES, Knapsack.of(space, fitness.additive()));
    }
}
