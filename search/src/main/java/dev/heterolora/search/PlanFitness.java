package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.List;
import java.util.Optional;

/**
 * The search's view of the proxies: scores whole generations of plans at once (so a device can batch them), on the
 * calling thread (DJL autograd is per thread). Higher fitness is better.
 */
public interface PlanFitness {
    /** One evaluation per plan, in order. */
    List<Evaluation> evaluate(List<AdapterPlan> plans);

    /**
     * When fitness is a sum over sites of a per-(site, rank) score, that table — what the exact knapsack baseline
     * and HeteroLoRA's top-k rule need. Empty for fitness that is not additive.
     */
    Optional<SiteScores> additive();
}
