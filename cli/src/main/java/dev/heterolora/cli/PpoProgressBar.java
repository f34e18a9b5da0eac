package dev.heterolora.cli;

import dev.heterolora.app.RlhfJob;
import dev.heterolora.trainer.ppo.RlhfEvaluation;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/** The PPO run's progress bar: one step per PPO step, with reward, KL and the latest win-rate. */
final class PpoProgressBar implements RlhfJob.Listener, AutoCloseable {
    private final boolean enabled;
    private ProgressBar bar;

    PpoProgressBar(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public void started(int steps, int fromStep) {
        if (enabled) {
            bar = Bars.create("ppo", steps);
            bar.stepTo(fromStep);
        }
    }

    @Override
    public void stepDone(int step, Map<String, Double> metrics, RlhfEvaluation latest) {
        if (bar != null) {
            bar.stepTo(step + 1L);
            bar.setExtraMessage(String.format("reward %.3f, KL %.3f%s", metrics.get("reward_mean"), metrics.get("kl"),
                    latest == null ? "" : String.format(", win %.2f", latest.winRate())));
        }
    }

    @Override
    public void close() {
        Bars.close(bar);
        bar = null;
    }
}
