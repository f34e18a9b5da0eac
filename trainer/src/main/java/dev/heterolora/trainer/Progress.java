package dev.heterolora.trainer;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr (me.tongfei's), or nothing at all when disabled. */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar of {@code total} steps named {@code task}, or a silent one when {@code enabled} is false. */
    public static Progress start(String task, long total, boolean enabled) {
        return start(task, total, enabled, System.err);
    }

    static Progress start(String task, long total, boolean enabled, PrintStream out) {
        if (!enabled) {
            return new Progress(null);
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setMaxRenderedLength(110)
                .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        return new Progress(bar);
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

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
