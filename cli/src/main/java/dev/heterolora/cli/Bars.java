package dev.heterolora.cli;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The CLI's progress bars, fit for terminals and logs: an animated bar on stderr when it is a terminal, and
 * otherwise a plain line every few seconds (no carriage-return frames filling a log file).
 */
final class Bars {
    /** Seconds between lines when stderr is not a terminal. */
    static final int LOG_INTERVAL_SECONDS = 10;

    private Bars() {}

    /** A bar for {@code task} with {@code max} steps. */
    static ProgressBar create(String task, long max) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII);
        if (System.console() == null) {
            b.setUpdateIntervalMillis(LOG_INTERVAL_SECONDS * 1000).setConsumer(
                    new DelegatingProgressBarConsumer(line -> System.err.println(line.strip())));
        } else {
            b.setUpdateIntervalMillis(250).continuousUpdate();
        }
        return b.build();
    }
}
