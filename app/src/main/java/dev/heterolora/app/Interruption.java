package dev.heterolora.app;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * What a job does when the JVM is told to stop (SIGTERM, Ctrl-C) while it works: it marks its own study or run
 * interrupted, says so in one line ({@code heterolora: interrupted; study 4 marked interrupted (resume: heterolora
 * search --resume 4)}) and ends the process at once with exit code {@value #EXIT_CODE}, so the job's thread, which
 * would now fail on a closing database, prints no error and no stack trace. Jobs register one for the time they
 * work and close it when they end normally. Should the mark fail (the database is gone), that one line says so
 * instead.
 *
 * <p>The process halts after the line: other shutdown hooks do not run. Everything the job wrote is committed
 * (the mark is the last write), so this loses nothing a kill -9 would not; {@code mark} should flush whatever the
 * job buffers (e.g. trials written in batches) before it sets the status.
 */
public final class Interruption implements AutoCloseable {
    /** The exit code of an interrupted job (as a shell's 128 + SIGINT). */
    public static final int EXIT_CODE = 130;

    /** Set once a job's interruption has begun: the process is ending and must not start new work. */
    private static volatile boolean stopping;

    private final Thread hook;

    private Interruption(Supplier<String> markAndSay, PrintStream err) {
        hook = new Thread(() -> {
            stopping = true;
            String said;
            try {
                said = markAndSay.get();
            } catch (RuntimeException e) {
                said = "interrupted; could not mark it so: " + e.getMessage();
            }
            err.println("heterolora: " + said);
            err.flush();
            Runtime.getRuntime().halt(EXIT_CODE);
        }, "heterolora-interruption");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Until closed, a JVM shutdown runs {@code mark}, prints {@code heterolora: <line>} to {@code err} and halts. */
    public static Interruption register(Runnable mark, String line, PrintStream err) {
        return new Interruption(() -> {
            mark.run();
            return line;
        }, err);
    }

    /**
     * As {@link #register(Runnable, String, PrintStream)} for a job whose line depends on what the mark found (a
     * cooperating worker leaves a shared run running while other workers hold units of it): {@code markAndSay}
     * marks and returns the line.
     */
    public static Interruption register(Supplier<String> markAndSay, PrintStream err) {
        return new Interruption(markAndSay, err);
    }

    /**
     * Whether a job's interruption has begun: between giving its unit back and halting, a worker's thread must not
     * claim another (it would hold it, as a dead worker, until the lease runs out).
     */
    public static boolean stopping() {
        return stopping;
    }

    /** The job ended by itself: a later shutdown does nothing of this job's. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: it owns the ending
        }
    }
}
