package dev.heterolora.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The search's progress bar: one step per generation, with the best fitness so far and the trial count. */
final class GenerationProgress implements AutoCloseable {
    private final ProgressBar bar;
    private int generation = -1;
    private double best = Double.NEGATIVE_INFINITY;
    private long trials;

    GenerationProgress(String task, int generations, boolean enabled) {
        this.bar = enabled ? new ProgressBarBuilder().setTaskName(task).setInitialMax(generations + 1L)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build() : null;
    }

    /** Reports one evaluated trial. */
    void trial(int gen, double fitness) {
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
        if (bar != null) {
            bar.close();
        }
    }
}
