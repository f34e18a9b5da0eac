package dev.heterolora.trainer.ppo;

import java.util.List;

/**
 * One PPO update's figures, or their means over a step's updates (what a {@link PpoStep} reports).
 *
 * @param clipFraction the fraction of response tokens whose probability ratio was clipped
 * @param approxKl ½·mean((log π − log π_old)²) over the response tokens
 * @param gradNorm the global gradient norm before clipping (+∞ for an fp16 update skipped on overflow; a mean
 *                 is over the updates that were applied, +∞ if none was)
 */
public record PpoUpdate(double policyLoss, double valueLoss, double clipFraction, double approxKl, double gradNorm) {

    /** The figure-by-figure mean of {@code updates} (not empty), summed in their order. */
    static PpoUpdate mean(List<PpoUpdate> updates) {
        double policy = 0;
        double value = 0;
        double clipped = 0;
        double kl = 0;
        double norm = 0;
        int applied = 0;
        for (PpoUpdate u : updates) {
            policy += u.policyLoss;
            value += u.valueLoss;
            clipped += u.clipFraction;
            kl += u.approxKl;
            if (u.gradNorm != Double.POSITIVE_INFINITY) {
                norm += u.gradNorm;
                applied++;
            }
        }
        int n = updates.size();
        return new PpoUpdate(policy / n, value / n, clipped / n, kl / n,
                applied == 0 ? Double.POSITIVE_INFINITY : norm / applied);
    }
}
