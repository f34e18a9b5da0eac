package dev.heterolora.cli;

import dev.heterolora.app.SearchProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The search's progress bar: one step per generation, with the best fitness so far and the trial count. */
final class GenerationProgress implements SearchProgress, AutoCloseable {
    private final ProgressBar bar;
    private int generation = -1;
    private double best = Double.NEGATIVE_INFINITY;
    private long trials;
    private boolean closed;

    GenerationProgress(String task, int generations, boolean enabled) {
        this.bar = enabled ? new ProgressBarBuilder().setTaskName(task).setInitialMax(generations + 1L)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build() : null;
    }

    @Override
    public void trial(int gen, double fitness) {
        trials++;
        if (Double.isFinite(fitness)) {
            best = Math.max(best, fitness);
        }
        if (bar == null) {
            return;
        }
        if (gen != generation) {
            bar.stepTo(gen + 1L);
            generation = gen;
        }
        bar.setExtraMessage(String.format("best %.5g, %d trials", best, trials));
    }

    @Override
    public void close() {
        if (bar != null && !closed) {
            bar.close();
            closed = true;
        }
    }
}
