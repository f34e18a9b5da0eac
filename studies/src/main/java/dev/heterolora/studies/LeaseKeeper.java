package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.time.Duration;

/**
 * Keeps a claimed unit's lease alive while a worker does the work: a daemon thread renews it every third of the
 * lease, so two renewals can fail (a slow database, a pause) before the lease runs out. A renewal that finds the
 * lease lost stops renewing and is remembered; {@link #lost()} tells the worker, and {@link WorkQueue#complete} would
 * refuse the result anyway. Other failures (the database briefly unreachable) are retried at the next tick.
 *
 * <pre>{@code
 * try (LeaseKeeper keeper = LeaseKeeper.start(queue, unit, lease)) {
 *     String result = work(unit.payloadJson());
 *     queue.complete(unit, result);
 * }
 * }</pre>
 */
public final class LeaseKeeper implements AutoCloseable {
    private final Repeating renewals;
    private volatile LeaseLostException lost;

    private LeaseKeeper(WorkQueue queue, ClaimedUnit unit, Duration lease) {
        renewals = new Repeating("lease " + unit.queue() + "/" + unit.key(), lease.dividedBy(3), Duration.ofSeconds(10),
                () -> renew(queue, unit, lease));
    }

    /** Starts renewing {@code unit}'s lease for {@code lease} every {@code lease / 3}. */
    public static LeaseKeeper start(WorkQueue queue, ClaimedUnit unit, Duration lease) {
        return new LeaseKeeper(queue, unit, lease);
    }

    /** Whether a renewal found that the lease was lost (another worker may be doing this unit now). */
    public boolean lost() {
        return lost != null;
    }

    /** Stops renewing (the lease then runs out unless the unit was completed or failed) and waits for a renewal in flight. */
    @Override
    public void close() {
        renewals.close();
    }

    /** One renewal; false (stop renewing) once the lease is found lost. */
    private boolean renew(WorkQueue queue, ClaimedUnit unit, Duration lease) {
        try {
            queue.heartbeat(unit, lease);
        } catch (LeaseLostException e) {
            lost = e;
            return false;
        } catch (HeteroloraException e) {
            // the database did not answer this time; the next tick tries again while the lease lasts
        }
        return true;
    }
}
