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

    /**
     * Per-site scores that approximate the fitness, for guiding a search where no exact table exists: the GA
     * starts from the knapsack optimum and greedy plans of this table, and {@code topk} ranks sites by it. Unlike
     * {@link #additive()} it is never used as a bound. By default the additive part itself; a fitness that is not
     * additive (e.g. a vote over proxies) may offer one (e.g. the sum of its proxies' site scores, each divided by
     * its spread over random plans).
     */
    default Optional<SiteScores> surrogate() {
        return additive();
    }
}
