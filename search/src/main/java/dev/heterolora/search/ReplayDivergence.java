package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;

/**
 * Thrown by {@link ReplayFitness} when a replayed search asks for a plan the study never evaluated: the replay has
 * diverged, and no fitness exists to continue with. A subtype so that the CLI's {@code replay} can tell "the
 * sequence differs" (exit 1) from an error (exit 2).
 */
public final class ReplayDivergence extends HeteroloraException {
    private static final long serialVersionUID = 1L;

    private final int seq;
    private final transient AdapterPlan plan;

    public ReplayDivergence(int seq, AdapterPlan plan) {
        super("replay diverged at trial #" + seq + ": the search asked for " + Replay.describe(plan)
                + ", which the study never evaluated");
        this.seq = seq;
        this.plan = plan;
    }

    /** Position of the unknown plan in the replay's evaluation order. */
    public int seq() {
        return seq;
    }

    /** The plan the study does not have. */
    public AdapterPlan plan() {
        return plan;
    }
}
