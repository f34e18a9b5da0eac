package dev.heterolora.search;

import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.ModelFamily;
import dev.heterolora.core.SiteKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Deterministic per-site proxy scores shaped like recorded ones, for benchmarking and testing strategies without
 * a model: no recorded site statistics of a 7B-sized model ship with the project, and scores of a uniform kind make
 * every search look good. Real gradient-based scores are heavy-tailed across sites (a few sites, typically early
 * value projections, dominate), larger in early layers and concave in rank; so here a site scores
 * {@code w · rank^β} with {@code w} log-normal (σ = 1.2) times a depth factor {@code 1 + 2·e^(−layer/3)} and a kind
 * factor (v and down ×2, shortcuts ×0.5), layer 0's v projection ×10, and {@code β} uniform in [0.4, 1].
 */
public final class SyntheticScores {

    private SyntheticScores() {}

    /** Llama-2-7B's shape (32 layers, hidden 4096, 32 heads, intermediate 11008): 351 sites with shortcuts. */
    public static ModelConfig llama7b() {
        return new ModelConfig(ModelFamily.LLAMA, 32_000, 4096, 32, 32, 32, 128, 11_008, 4096, 1e-5, 10_000, null,
                false, false, false, 1, 2);
    }

    /** The scores of seed {@code seed} for the sites of {@code space}. */
    public static SiteScores heavyTailed(SearchSpace space, long seed) {
        Random random = new Random(seed);
        Map<AdapterSite, double[]> shape = new HashMap<>();
        for (AdapterSite site : space.sites()) {
            double w = Math.exp(1.2 * random.nextGaussian()) * (1 + 2 * Math.exp(-site.layer() / 3.0))
                    * kindFactor(site);
            shape.put(site, new double[] {w, 0.4 + 0.6 * random.nextDouble()});
        }
        return (site, rank) -> {
            double[] wb = shape.get(site);
            return rank == 0 ? 0 : wb[0] * Math.pow(rank, wb[1]);
        };
    }

    private static double kindFactor(AdapterSite site) {
        if (site.layer() == 0 && site.kind() == SiteKind.V) {
            return 20;
        }
        if (site.kind().isShortcut()) {
            return 0.5;
        }
        return site.kind() == SiteKind.V || site.kind() == SiteKind.DOWN ? 2 : 1;
    }
}
