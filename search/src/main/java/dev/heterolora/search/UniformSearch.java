package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code uniform}, the plain-LoRA baseline: the same rank on every chosen site (capped per site like every rank),
 * the largest that fits the budget. Each fitting rank is evaluated once, smallest first, so the study shows what
 * each uniform rank scores; the result is the largest fitting one whatever its fitness, because that is the rule
 * being compared against.
 */
public record UniformSearch() implements Strategy {

    @Override
    public String name() {
        return "uniform";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        List<int[]> fitting = new ArrayList<>();
        List<Integer> ranks = space.options().ranks();
        for (int rank : ranks.subList(1, ranks.size())) {
            int[] g = uniform(space, rank);
            if (space.isFeasible(g) && (fitting.isEmpty() || !Arrays.equals(fitting.getLast(), g))) {
                fitting.add(g);
            }
        }
        if (fitting.isEmpty()) {
            throw new HeteroloraException("no uniform plan fits the budget of " + space.budget() + " parameters: rank "
                    + ranks.get(1) + " on all " + space.size() + " sites needs "
                    + space.parameters(uniform(space, ranks.get(1))));
        }
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        List<ScoredPlan> scored = recorder.evaluate(fitting, 0);
        return recorder.result(name(), scored.getLast(), List.of(recorder.stats(scored, 1.0)));
    }

    /** The genotype with {@code rank}, capped per site, at every site. */
    private static int[] uniform(SearchSpace space, int rank) {
        int[] g = new int[space.size()];
        for (int s = 0; s < g.length; s++) {
            g[s] = space.indexAtMost(s, rank);
        }
        return g;
    }
}
