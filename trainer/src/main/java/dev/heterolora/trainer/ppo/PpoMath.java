package dev.heterolora.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.heterolora.model.Precision;

/**
 * PPO's arithmetic on [batch, t] arrays of response tokens, all of it masked to real tokens (AlpacaFarm's code
 * whitens over padding; this does not): masked whitening, GAE as one matrix product, and the clipped losses.
 */
public final class PpoMath {
    private PpoMath() {}

    /** Σ x·mask / Σ mask. */
    public static NDArray maskedMean(NDArray x, NDArray mask) {
        return x.mul(mask).sum().div(mask.sum().maximum(1f));
    }

    /** Masked (population) variance. */
    public static NDArray maskedVariance(NDArray x, NDArray mask) {
        NDArray mean = maskedMean(x, mask);
        return maskedMean(x.sub(mean).square(), mask);
    }

    /**
     * Whitening over the real tokens: (x − mean)/std, or x/std keeping the mean when {@code shiftMean} is false
     * (reward whitening). Padding comes out as 0.
     */
    public static NDArray whiten(NDArray x, NDArray mask, boolean shiftMean) {
        NDArray mean = maskedMean(x, mask);
        NDArray std = maskedVariance(x, mask).add(1e-8f).sqrt();
        NDArray centred = x.sub(mean).div(std);
        return (shiftMean ? centred : centred.add(mean)).mul(mask);
    }

    /**
     * Generalised advantage estimation: δ_t = r_t + γ·V_{t+1} − V_t (V = 0 past the last real token), A_t =
     * Σ_{s≥t} (γλ)^{s−t}·δ_s, computed as δ·W with W[s, t] = (γλ)^{s−t} for s ≥ t.
     *
     * @return advantages and returns (A + V), both masked
     */
    public static NDArray[] gae(NDArray rewards, NDArray values, NDArray mask, double gamma, double lambda) {
        long t = rewards.getShape().get(1);
        NDManager m = rewards.getManager();
        NDArray v = values.mul(mask);
        NDArray next = v.get(":, 1:").concat(v.get(":, :1").zerosLike(), 1);
        NDArray delta = rewards.add(next.mul((float) gamma)).sub(v).mul(mask);
        float[] w = new float[(int) (t * t)];
        double gl = gamma * lambda;
        for (int s = 0; s < t; s++) {
            for (int u = 0; u <= s; u++) {
                w[s * (int) t + u] = (float) Math.pow(gl, s - u);
            }
        }
        NDArray weights = m.create(w, new Shape(t, t)).toType(rewards.getDataType(), false);
        NDArray adv = delta.matMul(weights).mul(mask);
        return new NDArray[] {adv, adv.add(v).mul(mask)};
    }

    /** Outputs of the clipped policy loss. */
    public record PolicyLoss(NDArray loss, NDArray clipFraction, NDArray approxKl) {}

    /**
     * PPO's clipped surrogate: mean over real tokens of max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)), ρ = exp(logp − logp_old);
     * also the clip fraction and the approximate KL ½·mean((logp − logp_old)²).
     */
    public static PolicyLoss policyLoss(NDArray logp, NDArray oldLogp, NDArray advantages, NDArray mask,
                                        double clip) {
        // padding positions get ratio 1 (their log-probs are of pad tokens nobody trains), and the log-ratio is
        // bounded so exp cannot overflow into an infinite gradient
        NDArray diff = logp.sub(oldLogp).mul(mask).clip(-20, 20);
        NDArray ratio = diff.exp();
        NDArray unclipped = advantages.neg().mul(ratio);
        NDArray clipped = advantages.neg().mul(ratio.clip(1 - clip, 1 + clip));
        NDArray loss = maskedMean(unclipped.maximum(clipped), mask);
        NDArray clipFraction = maskedMean(clipped.gt(unclipped).toType(DataType.FLOAT32, false), mask);
        NDArray approxKl = maskedMean(diff.square(), mask).mul(0.5f);
        return new PolicyLoss(loss, clipFraction, approxKl);
    }

    /**
     * PPO's clipped value loss: ½·mean over real tokens of max((V − R)², (V_old + clip(V − V_old, ±ε) − R)²).
     */
    public static NDArray valueLoss(NDArray values, NDArray oldValues, NDArray returns, NDArray mask, double clip) {
        NDArray clippedValues = oldValues.add(values.sub(oldValues).clip(-clip, clip));
        NDArray a = values.sub(returns).square();
        NDArray b = clippedValues.sub(returns).square();
        NDArray mean = maskedMean(a.maximum(b), mask);
        return mean.mul(Precision.scalar(mean, 0.5));
    }
}
