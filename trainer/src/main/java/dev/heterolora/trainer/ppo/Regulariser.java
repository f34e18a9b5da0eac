package dev.heterolora.trainer.ppo;

import ai.djl.ndarray.NDArray;
import dev.heterolora.core.HeteroloraException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The per-token divergence d_t that PPO's reward penalises (r_t = −β·d_t, plus the reward model's score on the
 * last response token). p is the policy, q the reference (the policy with adapters off); k1 = log p − log q of the
 * sampled token.
 */
public enum Regulariser {
    /** k1 = log p − log q (unbiased KL estimate, can be negative). */
    KL("kl", false),
    /** max(k1, 0): AlpacaFarm's default. */
    CLAMPED_KL("clamped-kl", false),
    /** ½·k1². */
    K2("k2", false),
    /** exp(−k1) − 1 + k1 (non-negative, unbiased). */
    K3("k3", false),
    /**
     * The LoRA-PPO paper's per-token Jensen–Shannon surrogate: with m = ½(p + q) over the sampled token's
     * probabilities, ½[max(log p − log m, 0) + max(log q − log m, 0)].
     */
    JS("js", false),
    /** No penalty (β = 0). */
    NONE("none", false),
    /** The full-vocabulary KL(p‖q) at each position. */
    KL_EXACT("kl-exact", true),
    /** The full-vocabulary JS(p, q) = ½KL(p‖m) + ½KL(q‖m), m = ½(p + q), at each position. */
    JS_EXACT("js-exact", true);

    private final String id;
    private final boolean needsFullDistributions;

    Regulariser(String id, boolean needsFullDistributions) {
        this.id = id;
        this.needsFullDistributions = needsFullDistributions;
    }

    public String id() {
        return id;
    }

    /** Whether {@link #exact} (full log-distributions) rather than {@link #perToken} applies. */
    public boolean needsFullDistributions() {
        return needsFullDistributions;
    }

    public static Regulariser parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return Arrays.stream(values()).filter(r -> r.id.equals(t)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown regulariser '" + text + "' (known: "
                        + String.join(", ", Arrays.stream(values()).map(Regulariser::id).toList()) + ")"));
    }

    /** d_t from the sampled tokens' log-probabilities under policy and reference (same shape, any). */
    public NDArray perToken(NDArray logp, NDArray logq) {
        NDArray k1 = logp.sub(logq);
        return switch (this) {
            case KL -> k1;
            case CLAMPED_KL -> k1.maximum(0f);
            case K2 -> k1.square().mul(0.5f);
            case K3 -> k1.neg().exp().sub(1f).add(k1);
            case JS -> {
                // log m = log(½(e^lp + e^lq)) = logaddexp(lp, lq) − log 2, computed stably
                NDArray hi = logp.maximum(logq);
                NDArray logm = hi.add(logp.sub(hi).exp().add(logq.sub(hi).exp()).log()).sub((float) Math.log(2));
                yield logp.sub(logm).maximum(0f).add(logq.sub(logm).maximum(0f)).mul(0.5f);
            }
            case NONE -> k1.zerosLike();
            case KL_EXACT, JS_EXACT -> throw new IllegalStateException(id + " needs the full distributions");
        };
    }

    /** d_t from full log-distributions [..., vocab] of policy and reference; result drops the vocab axis. */
    public NDArray exact(NDArray logP, NDArray logQ) {
        int axis = logP.getShape().dimension() - 1;
        return switch (this) {
            case KL_EXACT -> logP.exp().mul(logP.sub(logQ)).sum(new int[] {axis});
            case JS_EXACT -> {
                NDArray p = logP.exp();
                NDArray q = logQ.exp();
                NDArray logm = p.add(q).mul(0.5f).add(1e-30f).log();
                yield p.mul(logP.sub(logm)).sum(new int[] {axis}).add(q.mul(logQ.sub(logm)).sum(new int[] {axis}))
                        .mul(0.5f);
            }
            default -> throw new IllegalStateException(id + " is per token");
        };
    }
}
