package dev.heterolora.search;

import java.util.List;

/**
 * A fixed-rule {@link Baseline} run as a strategy ({@code uniform}, {@code peft-default}, {@code all-linear},
 * {@code topk}), so that a study can store what the rule picks next to searched plans. A uniform-rank rule
 * evaluates each fitting rank once, smallest first, so the study shows what each rank scores; the result is the
 * rule's plan (the largest fitting rank, or {@code topk}'s one plan) whatever its fitness, because that is the rule
 * being compared against. {@code random} is {@link RandomSearch} (the best of its samples, not their mean).
 */
public record BaselineSearch(Baseline baseline) implements Strategy {

    public BaselineSearch {
        if (baseline == Baseline.RANDOM) {
            throw new IllegalArgumentException("the random strategy is RandomSearch");
        }
    }

    @Override
    public String name() {
        return baseline.id();
    }

    /**
     * @throws dev.heterolora.core.HeteroloraException if the rule does not apply or its smallest plan exceeds the
     *                                                  budget (the message says what it needs)
     */
    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        List<int[]> ladder = baseline.ladder(space, settings,
                fitness.surrogate().map(s -> SiteScoreTable.of(space, s)));
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        double[] scored = recorder.evaluate(ladder, 0);
        return recorder.result(name(), recorder.scored(ladder.getLast()), scored, 1.0, StopReason.RULE,
                Knapsack.of(space, fitness.additive()));
    }
}
