package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;

/**
 * Where the search reports every evaluated plan as it is produced (the study database in the CLI, a list in tests).
 */
@FunctionalInterface
public interface TrialSink {
    /**
     * @param seq the plan's 0-based position in evaluation order (the order a replay must reproduce)
     * @param feasible whether the plan is within the budget
     */
    void accept(int seq, int generation, AdapterPlan plan, long parameters, boolean feasible, Evaluation evaluation,
                double seconds);

    /**
     * This sink without the first {@code count} trials (seq below {@code count}): for resuming a study whose first
     * {@code count} trials are already stored.
     */
    default TrialSink skipping(int count) {
        return (seq, generation, plan, parameters, feasible, evaluation, seconds) -> {
            if (seq >= count) {
                accept(seq, generation, plan, parameters, feasible, evaluation, seconds);
            }
        };
    }
}
