package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.Function;

/**
 * The loop every cooperating worker runs over a {@link WorkQueue}: claim a unit, keep its lease alive while doing it,
 * record the result, and go on until no unit is queued or held by anyone, so that N processes started with the same
 * command finish together. When the queue is empty but other workers still hold units it waits and claims again,
 * because a worker that died leaves its unit to come back when the lease expires.
 *
 * @param queue  the queue to work on
 * @param name   this worker's name as stored with the units it claims (see {@link #defaultName()})
 * @param lease  how long a claim lasts without a heartbeat: the longest a dead worker's unit waits to be redone
 */
public record Worker(WorkQueue queue, String name, Duration lease) {
    /** What a worker does with one unit: its payload in, its result JSON out. */
    @FunctionalInterface
    public interface Task {
        /**
         * Does one unit.
         *
         * @throws HeteroloraException to fail the unit for good with that message (the loop goes on to the next)
         */
        String run(ClaimedUnit unit);
    }

    /** This process's name for the units it claims: {@code host:pid}. */
    public static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /**
     * Works on {@code queueName} until every unit is finished or failed.
     *
     * @return how many units this worker completed
     */
    public int drain(String queueName, Task task) {
        // a waiting worker looks again 5 times a second: units that take a tenth of a second (a plan's proxy run)
        // are still shared when their producer enqueues them a few at a time
        long idle = Math.max(10, Math.min(200, lease.toMillis() / 3));
        int completed = 0;
        while (true) {
            var claimed = queue.claim(queueName, name, lease);
            if (claimed.isEmpty()) {
                if (queue.units(queueName).stream().map(Unit::status)
                        .noneMatch(s -> s == Status.QUEUED || s == Status.RUNNING)) {
                    return completed;
                }
                sleep(idle);
                continue;
            }
            ClaimedUnit unit = claimed.get();
            try (LeaseKeeper keeper = LeaseKeeper.start(queue, unit, lease)) {
                String result;
                try {
                    result = task.run(unit);
                } catch (LeaseLostException e) {
                    continue;
                } catch (HeteroloraException e) {
                    failQuietly(unit, e.getMessage());
                    continue;
                }
                if (!keeper.lost()) {
                    queue.complete(unit, result);
                    completed++;
                }
            } catch (LeaseLostException e) {
                // another worker took the unit over while this one was finishing: its result counts, not ours
            }
        }
    }

    private void failQuietly(ClaimedUnit unit, String message) {
        try {
            queue.fail(unit, message);
        } catch (LeaseLostException e) {
            // someone else has the unit now; their outcome counts
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HeteroloraException("interrupted while waiting for other workers");
        }
    }
}
