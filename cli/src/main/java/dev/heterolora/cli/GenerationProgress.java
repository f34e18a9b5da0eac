package dev.heterolora.cli;

import dev.heterolora.app.SearchProgress;
import me.tongfei.progressbar.ProgressBar;

/**
 * The search's progress bar: one step per generation, with the best fitness so far and the trial count; it ends at
 * 100 % or, when the search stops early, at the generation reached with the reason.
 */
final class GenerationProgress implements SearchProgress, AutoCloseable {
    private final boolean enabled;
    private ProgressBar bar;
    private int generation = -1;
    private double best = Double.NEGATIVE_INFINITY;
    private long trials;

    GenerationProgress(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public void started(String strategy, int generations) {
        if (enabled) {
            bar = Bars.create(strategy, generations + 1L);
        }
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
        // a GA evaluates thousands of plans a second: the message is formatted once per generation or 1,024 trials
        if (gen != generation) {
            bar.stepTo(gen + 1L);
            generation = gen;
        } else if ((trials & 1023) != 0) {
            return;
        }
        bar.setExtraMessage(String.format("best %.5g, %d trials", best, trials));
    }

    @Override
    public void stopped(String why) {
        if (bar != null) {
            bar.maxHint(Math.max(1, bar.getCurrent()));
            bar.stepTo(bar.getMax());
            bar.setExtraMessage(String.format("best %.5g, %d trials; %s", best, trials, why));
        }
    }

    @Override
    public void close() {
        Bars.close(bar);
        bar = null;
    }
}
