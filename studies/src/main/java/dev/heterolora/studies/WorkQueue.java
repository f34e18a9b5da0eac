package dev.heterolora.studies;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Units of work that several worker processes, on one machine or many, share through the study database (Optuna's
 * way of spreading a study over machines: every worker runs the same command against one database). Each unit is a
 * row; a worker {@link #claim claims} one atomically and holds a lease that {@link #heartbeat heartbeats} renew (see
 * {@link LeaseKeeper}); its result is written in one transaction and only while the lease is still its own, so every
 * unit's result is recorded exactly once even when workers die or stall.
 *
 * <p>A lease that runs out is noticed by the next {@link #claim}: the unit goes back to {@link Status#QUEUED}, or
 * to {@link Status#FAILED} once it has been claimed {@link #MAX_ATTEMPTS} times. Until someone notices, the late
 * worker may still renew or complete it (nobody else has it). Failures are
 * {@link dev.heterolora.core.HeteroloraException}s with a one-line message.
 */
public interface WorkQueue {
    /** How many times a unit is claimed before an expired lease fails it instead of queueing it again. */
    int MAX_ATTEMPTS = 3;

    /**
     * Adds units to a queue as {@link Status#QUEUED}; a key the queue already has is left as it is (whatever its
     * status), so every worker may enqueue the whole plan of work before claiming.
     */
    void enqueue(String queue, List<NewUnit> units);

    /**
     * Claims the oldest queued unit of a queue for {@code worker}, with a lease of {@code lease} from now (database
     * time), after putting back units whose lease expired. Two claims never get the same unit, across threads,
     * processes and machines.
     *
     * @return the claimed unit, or empty if none is queued
     */
    Optional<ClaimedUnit> claim(String queue, String worker, Duration lease);

    /**
     * Renews a claimed unit's lease to {@code lease} from now.
     *
     * @throws LeaseLostException if the lease was lost (another worker took the unit over, or it was put back or
     *                            failed after expiring)
     */
    void heartbeat(ClaimedUnit unit, Duration lease);

    /**
     * Marks a claimed unit {@link Status#FINISHED} with its result, in one transaction.
     *
     * @throws LeaseLostException (one line) if the lease was lost: the result is not recorded
     */
    void complete(ClaimedUnit unit, String resultJson);

    /**
     * Marks a claimed unit {@link Status#FAILED} for good (an error that another try would repeat).
     *
     * @throws LeaseLostException (one line) if the lease was lost
     */
    void fail(ClaimedUnit unit, String message);

    /**
     * Puts a claimed unit back in the queue at once, for its worker is stopping (SIGTERM) and will not finish it:
     * the next claim takes it without waiting for the lease to run out. The claim still counts as an attempt. A queue
     * that cannot release (this default) leaves the unit to come back when its lease runs out.
     *
     * @throws LeaseLostException (one line) if the lease was lost
     */
    default void release(ClaimedUnit unit) {
        // the lease runs out and the next claim after that puts the unit back
    }

    /**
     * Puts the queue's failed units back in the queue, for the workers of the command run again: a step that failed
     * for a reason since gone (a full disk, a database that was down) is tried again instead of failing for good.
     * Attempts keep counting (a claim from before the failure stays void); the failure's message stays, marked
     * {@code retried;}, until the unit is claimed.
     *
     * @return how many units went back
     */
    int retryFailed(String queue);

    /** The units of a queue in the order they were enqueued. */
    List<Unit> units(String queue);

    /** The names of all queues that have units, sorted. */
    List<String> queues();
}
