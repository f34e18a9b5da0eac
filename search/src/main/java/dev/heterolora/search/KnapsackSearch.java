package dev.heterolora.search;

import java.util.List;
import java.util.Optional;

/**
 * {@code knapsack}: the exact optimum of an additive fitness, the yardstick every other strategy is measured
 * against (and what {@code auto} answers with for an additive fitness). See {@link Knapsack} for the dynamic
 * program and its limits.
 *
 * <p>Needs the fitness's additive part ({@link PlanFitness#additive()}); the chosen plan is then evaluated once
 * with the full fitness.
 */
public record KnapsackSearch() implements Strategy {

    @Override
    public String name() {
        return "knapsack";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        return solve(name(), space, fitness, sink, new Knapsack(space, SiteScoreTable.require(this, space, fitness)));
    }

    /** Evaluates the optimum of {@code additive} (the fitness's additive part) under the name {@code strategy}. */
    static SearchResult solve(String strategy, SearchSpace space, PlanFitness fitness, TrialSink sink,
                              Knapsack additive) {
        int[] optimum = additive.requireExact();
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        double[] scored = recorder.evaluate(List.of(optimum), 0);
        return recorder.result(strategy, recorder.scored(optimum), scored, 1.0, StopReason.EXACT,
                Optional.of(additive));
    }
}
