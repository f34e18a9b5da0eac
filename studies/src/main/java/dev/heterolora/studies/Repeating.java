package dev.heterolora.studies;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A task repeated on a daemon thread of its own, {@code period} after each run, until it answers false or this is
 * closed: what keeps a study's or run's heartbeat ({@link Heartbeat}) and a unit's lease ({@link LeaseKeeper}) alive.
 */
final class Repeating implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final Duration closeWait;

    /**
     * @param task      one repetition; false stops the repeating (no further runs)
     * @param closeWait how long {@link #close()} waits for a run in flight
     */
    Repeating(String threadName, Duration period, Duration closeWait, BooleanSupplier task) {
        this.closeWait = closeWait;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, period.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            if (!task.getAsBoolean()) {
                timer.shutdown();
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** Stops repeating and waits up to the close wait for a run in flight. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(closeWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
