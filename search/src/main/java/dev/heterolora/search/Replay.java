package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@code heterolora replay} needs from the search: re-run a strategy from a study's settings with fitness
 * taken from its trials, and say where (if anywhere) the sequence of plans departs from the recorded one.
 */
public final class Replay {

    private Replay() {}

    /**
     * Re-runs {@code strategy} with a {@link ReplayFitness} over {@code recorded} and compares the plans it asks for
     * with the recorded sequence.
     *
     * @param additive  the study fitness's per-site scores if it was additive (see {@link ReplayFitness})
     * @param surrogate the study fitness's {@link PlanFitness#surrogate()}
     * @return empty if the replay produced the recorded plans in the recorded order, else the first difference
     */
    public static Optional<String> check(Strategy strategy, SearchSpace space, SearchSettings settings,
                                         List<TrialRecord> recorded, Optional<SiteScores> additive,
                                         Optional<SiteScores> surrogate) {
        ReplayFitness fitness = new ReplayFitness(recorded, additive, surrogate);
        try {
            strategy.run(space, fitness, settings, new TrialLog());
        } catch (ReplayDivergence stoppedAt) {
            // the plans asked for so far, the unknown one last, show where it departed
        }
        return firstDifference(recorded.stream().map(TrialRecord::plan).toList(), fitness.requested());
    }

    /** {@link #check(Strategy, SearchSpace, SearchSettings, List, Optional, Optional)} with no other surrogate. */
    public static Optional<String> check(Strategy strategy, SearchSpace space, SearchSettings settings,
                                         List<TrialRecord> recorded, Optional<SiteScores> additive) {
        return check(strategy, space, settings, recorded, additive, additive);
    }

    /** The first position where two plan sequences differ, as one line; empty if they are identical. */
    public static Optional<String> firstDifference(List<AdapterPlan> expected, List<AdapterPlan> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                return Optional.of("trial #" + i + " differs: recorded " + describe(expected.get(i)) + ", replay "
                        + describe(actual.get(i)));
            }
        }
        if (expected.size() > n) {
            return Optional.of("replay stopped after " + n + " trials; the study has " + expected.size()
                    + " (next recorded: " + describe(expected.get(n)) + ")");
        }
        if (actual.size() > n) {
            return Optional.of("replay went on past the " + n + " recorded trials: #" + n + " is "
                    + describe(actual.get(n)));
        }
        return Optional.empty();
    }

    /** A plan on one line: {@code {0.q=8, 1.v=4}} (alphas left out), {@code {}} for no adapters. */
    static String describe(AdapterPlan plan) {
        return plan.adapters().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().rank())
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
