package dev.heterolora.proxies;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import java.util.Arrays;
import java.util.Locale;

/**
 * The zero-cost proxies, with their exact formulas for a LoRA (or shortcut) adapter of rank r and scale s = α/r at
 * B = 0, where M_r = Gᵀ·(x·A_rᵀ) is the unscaled gradient of B (so ∇B = s·M_r) — see {@link SiteStatistics}.
 *
 * <p>Additive proxies score a plan as the sum over its sites; the others need the plan itself and run per plan.
 */
public enum ZeroCostProxy {
    /** ‖∇B‖_F = s·‖M_r‖_F, the gradient norm of the adapter's trainable B (∇A = 0 at B = 0). */
    GRADNORM("gradnorm", true),
    /**
     * SNIP, Σ|θ ⊙ ∇θ|. At B = 0 that is zero for every plan, so we score the first update instead: θ → Δθ = ∇B,
     * giving Σ|∇B ⊙ ∇B| = s²·‖M_r‖²_F — the first-order loss decrease of one unit gradient step.
     */
    SNIP("snip", true),
    /** Empirical Fisher trace of B: the mean over minibatches of each batch's ‖∇B‖²_F = s²·mean_b ‖M_r^(b)‖²_F. */
    FISHER("fisher", true),
    /**
     * SynFlow, Σ|θ ⊙ ∂R/∂θ| with R = 1ᵀ(∏|W|)1 on an all-ones input. At B = 0, R and the score vanish; we take
     * |B| = 1 (the adapter's path with unit up-projection), so R = s·out·‖A_r‖₁ and, the path being homogeneous of
     * degree 2, the score is 2·s·out·‖A_r‖₁. Data-free: it rewards width and rank much like {@code params}.
     */
    SYNFLOW("synflow", true),
    /** The trainable-parameter count r·(in + out): the baseline proxies often fail to beat. */
    PARAMS("params", true),
    /**
     * Jacobian covariance (Mellor et al.) of the plan after one probe step B = −η·∇B: the per-example gradients J of
     * the summed last-position logits with respect to the input embeddings, their correlation matrix's eigenvalues λ,
     * score −Σ[log(λ + 10⁻⁵) + (λ + 10⁻⁵)⁻¹]. Runs per plan.
     */
    JACOV("jacov", false),
    /** Exact loss decrease on the first proxy batch after one probe step B = −η·∇B of the plan. Runs per plan. */
    PROBE("probe", false);

    private final String id;
    private final boolean additive;

    ZeroCostProxy(String id, boolean additive) {
        this.id = id;
        this.additive = additive;
    }

    public String id() {
        return id;
    }

    /** Whether a plan's score is the sum of its sites' scores. */
    public boolean isAdditive() {
        return additive;
    }

    /** Parses a proxy name ({@code gradnorm}, {@code snip}, …). */
    public static ZeroCostProxy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return Arrays.stream(values()).filter(p -> p.id.equals(t)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown proxy '" + text + "' (known: "
                        + String.join(", ", Arrays.stream(values()).map(ZeroCostProxy::id).toList()) + ", vote)"));
    }

    /**
     * The additive score of site {@code i} of {@code stats} at {@code rank} with scale {@code scale}; 0 at rank 0.
     */
    public double siteScore(SiteStatistics stats, ModelConfig config, int i, int rank, double scale) {
        if (rank == 0) {
            return 0;
        }
        return switch (this) {
            case GRADNORM -> scale * Math.sqrt(stats.meanGradSq(i, rank));
            case SNIP -> scale * scale * stats.meanGradSq(i, rank);
            case FISHER -> scale * scale * stats.fisher(i, rank);
            case SYNFLOW -> 2 * scale * stats.outWidth(i) * stats.aL1(i, rank);
            case PARAMS -> config.siteShape(stats.sites().get(i).kind()).adapterParameters(rank);
            case JACOV, PROBE -> throw new IllegalStateException(id + " is not additive");
        };
    }
}
