package dev.heterolora.trainer.ppo;

/**
 * The KL coefficient β: fixed, or adaptive as in AlpacaFarm/TRL (Ziegler et al.): β ← β·(1 + e·n/horizon) with
 * e = clip(KL/target − 1, −0.2, 0.2) after each batch of n samples.
 */
public final class KlController {
    private final boolean adaptive;
    private final double target;
    private final double horizon;
    private double beta;

    private KlController(double beta, boolean adaptive, double target, double horizon) {
        this.beta = beta;
        this.adaptive = adaptive;
        this.target = target;
        this.horizon = horizon;
    }

    public static KlController fixed(double beta) {
        return new KlController(beta, false, 0, 1);
    }

    public static KlController adaptive(double initialBeta, double target, double horizon) {
        return new KlController(initialBeta, true, target, horizon);
    }

    public double beta() {
        return beta;
    }

    /** Sets β (restoring a resumed run's adaptive coefficient). */
    public void restore(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("beta must be a finite number >= 0, got " + value);
        }
        beta = value;
    }

    /** Updates β from the mean KL of the last batch of {@code samples} rollouts. */
    public void update(double currentKl, int samples) {
        if (!adaptive) {
            return;
        }
        double error = Math.max(-0.2, Math.min(0.2, currentKl / target - 1));
        beta *= 1 + error * samples / horizon;
    }
}
