package dev.heterolora.cli;

import dev.heterolora.trainer.Progress;
import me.tongfei.progressbar.ProgressBar;

/**
 * The CLI's progress bars, built like the trainer's ({@link Progress#builder}): an animated bar on stderr when it is
 * a terminal, and otherwise a plain line every few seconds (no carriage-return frames filling a log file).
 */
final class Bars {
    private Bars() {}

    /** A bar for {@code task} with {@code max} steps. */
    static ProgressBar create(String task, long max) {
        return Progress.builder(task, max).build();
    }

    /** Closes a bar (again, harmlessly), saying where it stopped if it did not reach its end; null is ignored. */
    static void close(ProgressBar bar) {
        if (bar != null) {
            Progress.stopNote(bar);
            bar.close();
        }
    }
}
