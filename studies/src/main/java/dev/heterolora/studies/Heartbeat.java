package dev.heterolora.studies;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * Proof of life for a running study or run, as Optuna's {@code heartbeat_interval}: while its owner lives, a daemon
 * thread renews the row's {@code heartbeat_at} every {@link #interval()}; a process that opens the store and finds a
 * running row whose heartbeat is older than {@link #grace()} marks it interrupted
 * ({@link StudyStorage#failStale}), so a search killed with -9 does not stay "running" forever. Close it when the
 * work ends (before setting the final status). A failed renewal is skipped (the next one tries again): a database
 * that is briefly away must not end the work.
 *
 * <p>{@code heterolora.heartbeat.interval} and {@code heterolora.heartbeat.grace} (system properties, in seconds;
 * defaults 10 and 60) change the two durations, e.g. for tests.
 */
public final class Heartbeat implements AutoCloseable {
    private final Repeating beats;

    private Heartbeat(String name, LongConsumer beat, long id) {
        beat.accept(id);
        beats = new Repeating("heartbeat-" + name + "-" + id, interval(), Duration.ofSeconds(5), () -> {
            try {
                beat.accept(id);
            } catch (RuntimeException skipped) {
                // the next beat tries again; the grace period is several intervals long
            }
            return true;
        });
    }

    /** Starts beating for a study (the first beat is written before this returns). */
    public static Heartbeat ofStudy(StudyStorage storage, long studyId) {
        return new Heartbeat("study", storage::heartbeatStudy, studyId);
    }

    /** Starts beating for a run (the first beat is written before this returns). */
    public static Heartbeat ofRun(StudyStorage storage, long runId) {
        return new Heartbeat("run", storage::heartbeatRun, runId);
    }

    /** How often an owner renews its heartbeat. */
    public static Duration interval() {
        return seconds("heterolora.heartbeat.interval", 10);
    }

    /** How old a running row's heartbeat may get before another process takes its owner for dead. */
    public static Duration grace() {
        return seconds("heterolora.heartbeat.grace", 60);
    }

    /** Stops beating and waits for a beat in flight. */
    @Override
    public void close() {
        beats.close();
    }

    private static Duration seconds(String property, double fallback) {
        String value = System.getProperty(property);
        double s = value == null || value.isBlank() ? fallback : Double.parseDouble(value.trim());
        return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
    }
}
