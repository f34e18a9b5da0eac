package dev.heterolora.search;

/**
 * Why a strategy stopped, so that a result says how much to trust it: an exact answer, a GA that stopped
 * improving, one that ran out of generations (it might have improved further), or a fixed rule that has nothing
 * to search. The set is closed, so it is an enum.
 */
public enum StopReason {
    /** The exact optimum of an additive fitness (dynamic programming). */
    EXACT("exact"),
    /** No better plan for the steady-fitness limit's number of generations. */
    STEADY_FITNESS("steady_fitness"),
    /** The generation limit was reached while the GA was still improving within the steady-fitness window. */
    GENERATION_LIMIT("generation_limit"),
    /** A fixed rule (uniform, peft-default, all-linear, topk): its plan is the answer, there is nothing to search. */
    RULE("rule"),
    /** Every sample of the random baseline was evaluated. */
    SAMPLES("samples");

    private final String id;

    StopReason(String id) {
        this.id = id;
    }

    /** The lower-case name used in JSON ({@code stop_reason}). */
    public String id() {
        return id;
    }
}
