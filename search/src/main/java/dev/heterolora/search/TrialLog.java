package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A {@link TrialSink} that keeps every trial in memory, in order: for tests, for replays (the sequence to compare)
 * and as a tee in front of the study database.
 */
public final class TrialLog implements TrialSink {

    private final List<TrialRecord> trials = new ArrayList<>();

    @Override
    public void accept(int seq, int generation, AdapterPlan plan, long parameters, boolean feasible,
                       Evaluation evaluation, double seconds) {
        if (seq != trials.size()) {
            throw new IllegalStateException("trial #" + seq + " arrived after " + trials.size() + " trials");
        }
        trials.add(new TrialRecord(seq, generation, plan, parameters, feasible, evaluation));
    }

    /** The trials so far, in sequence order (an unmodifiable view). */
    public List<TrialRecord> trials() {
        return Collections.unmodifiableList(trials);
    }

    /** The plans so far, in sequence order. */
    public List<AdapterPlan> plans() {
        return trials.stream().map(TrialRecord::plan).toList();
    }
}
