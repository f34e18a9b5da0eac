package dev.heterolora.trainer.ppo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one PPO step did, as {@link PpoTrainer#train(java.util.List, dev.heterolora.trainer.StepListener, int)} hands
 * it out: the rollouts, the divergence estimates of the policy from the reference on them, and the mean of the
 * step's updates. Sequence figures are means over the rollouts of per-sequence sums over response tokens.
 *
 * @param step the step's number, from 0
 * @param rolloutSeconds the time spent sampling
 * @param generatedTokens tokens sampled, over all rollouts
 * @param rewardMean the reward model's score (plus any missing-EOS penalty), mean over the rollouts
 * @param kl the sequence KL estimate k1 (nats)
 * @param k2 the k2 estimate, ½·(log π − log π_ref)²
 * @param k3 the k3 estimate
 * @param js the sampled Jensen–Shannon estimate
 * @param penalty the configured regulariser's sequence penalty (before β)
 * @param entropy the policy's mean per-token entropy on the responses
 * @param responseLength mean response length, tokens
 * @param beta the KL coefficient of this step's rewards
 * @param updates the means over the step's updates
 * @param seconds the whole step's time
 */
public record PpoStep(int step, double rolloutSeconds, int generatedTokens, double rewardMean, double rewardStd,
                      double kl, double k2, double k3, double js, double penalty, double entropy,
                      double responseLength, double beta, PpoUpdate updates, double seconds) {

    /** The figures as named columns (the study database's metric names), in this record's order. */
    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rollout_seconds", rolloutSeconds);
        m.put("generated_tokens", (double) generatedTokens);
        m.put("reward_mean", rewardMean);
        m.put("reward_std", rewardStd);
        m.put("kl", kl);
        m.put("k2", k2);
        m.put("k3", k3);
        m.put("js", js);
        m.put("penalty", penalty);
        m.put("entropy", entropy);
        m.put("response_length", responseLength);
        m.put("beta", beta);
        m.put("policy_loss", updates.policyLoss());
        m.put("value_loss", updates.valueLoss());
        m.put("clip_fraction", updates.clipFraction());
        m.put("approx_kl", updates.approxKl());
        m.put("grad_norm", updates.gradNorm());
        m.put("seconds", seconds);
        return Collections.unmodifiableMap(m);
    }
}
