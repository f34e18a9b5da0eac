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
     * New plans of {@code generation} go to the fitness now (their trials follow): the first call marks where a
     * strategy's evaluations start, after its set-up (e.g. the GA's seeds). Ignored by default.
     */
    default void evaluating(int generation) { }

    /**
     * This sink without the first {@code count} trials (seq below {@code count}): for resuming a study whose first
     * {@code count} trials are already stored.
     */
    default TrialSink skipping(int count) {
        TrialSink all = this;
        return new TrialSink() {
            @Override
            public void accept(int seq, int generation, AdapterPlan plan, long parameters, boolean feasible,
                               Evaluation evaluation, double seconds) {
                if (seq >= count) {
                    all.accept(seq, generation, plan, parameters, feasible, evaluation, seconds);
                }
            }

            @Override
            public void evaluating(int generation) {
                all.evaluating(generation);
            }
        };
    }
}
