package dev.heterolora.trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (me.tongfei's), or nothing at all when disabled; every bar of heterolora is built here so
 * that all of them fit terminals and logs alike: an animated bar when stderr is a terminal, otherwise a plain line
 * every {@value #LOG_INTERVAL_SECONDS} s (no carriage-return frames filling a log file).
 */
public final class Progress implements AutoCloseable {
    /** Seconds between lines when stderr is not a terminal. */
    public static final int LOG_INTERVAL_SECONDS = 10;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar of {@code total} steps named {@code task}, or a silent one when {@code enabled} is false. */
    public static Progress start(String task, long total, boolean enabled) {
        return enabled ? new Progress(builder(task, total, stderrIsTerminal(), System.err).build()) : new Progress(null);
    }

    /** A bar builder for {@code task} with {@code max} steps on stderr, animated only on a terminal. */
    public static ProgressBarBuilder builder(String task, long max) {
        return builder(task, max, stderrIsTerminal(), System.err);
    }

    /** A bar builder writing to {@code out}: animated frames when {@code terminal}, else a line every few seconds. */
    static ProgressBarBuilder builder(String task, long max, boolean terminal, PrintStream out) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII);
        if (terminal) {
            return b.setUpdateIntervalMillis(250).setMaxRenderedLength(110).continuousUpdate()
                    .setConsumer(new ConsoleProgressBarConsumer(out));
        }
        return b.setUpdateIntervalMillis(LOG_INTERVAL_SECONDS * 1000)
                .setConsumer(new DelegatingProgressBarConsumer(line -> out.println(line.strip())));
    }

    /**
     * Whether stderr is a terminal: on Linux from what file descriptor 2 points to (stdout may be a file while stderr
     * is the terminal, or the reverse), elsewhere from whether the JVM has a console.
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.exists(fd, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return System.console() != null;
            }
        }
        return System.console() != null;
    }

    /** Advances one step and shows {@code message} (e.g. the current loss) beside the bar. */
    public void step(String message) {
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(message);
        }
    }

    /** Shows {@code message} without advancing. */
    public void message(String message) {
        if (bar != null) {
            bar.setExtraMessage(message);
        }
    }

    /** Ends the bar; one that did not reach its end says where it stopped instead of freezing part-way. */
    @Override
    public void close() {
        if (bar != null) {
            stopNote(bar);
            bar.close();
        }
    }

    /** Sets {@code stopped at N of M} beside a bar that has not reached its maximum. */
    public static void stopNote(ProgressBar bar) {
        if (bar.getCurrent() < bar.getMax()) {
            bar.setExtraMessage("stopped at " + bar.getCurrent() + " of " + bar.getMax());
        }
    }
}
