package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fitness looked up from a study's stored trials instead of computed: what {@code heterolora replay} re-runs the
 * search with. Since every strategy is deterministic given its settings and the fitness values, a faithful replay
 * asks for exactly the recorded plans in the recorded order; asking for a plan that was never recorded throws
 * {@link ReplayDivergence}. It remembers every plan asked for, so the caller can compare the order too
 * ({@link Replay#firstDifference}).
 */
public final class ReplayFitness implements PlanFitness {

    private final Map<AdapterPlan, Evaluation> stored;
    private final Optional<SiteScores> additive;
    private final List<AdapterPlan> requested = new ArrayList<>();

    /**
     * @param trials   the study's trials
     * @param additive the study's per-site scores when the replayed strategy needs them ({@code topk},
     *                 {@code knapsack}; e.g. a stored {@link SiteScoreTable}), else empty
     */
    public ReplayFitness(List<TrialRecord> trials, Optional<SiteScores> additive) {
        this.stored = TrialRecord.index(trials);
        this.additive = additive;
    }

    /** @throws ReplayDivergence at the first plan the trials do not hold */
    @Override
    public List<Evaluation> evaluate(List<AdapterPlan> plans) {
        List<Evaluation> out = new ArrayList<>(plans.size());
        for (AdapterPlan plan : plans) {
            requested.add(plan);
            Evaluation e = stored.get(plan);
            if (e == null) {
                throw new ReplayDivergence(requested.size() - 1, plan);
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public Optional<SiteScores> additive() {
        return additive;
    }

    /** Every plan asked for so far, in order (including the unknown one a divergence stopped at). */
    public List<AdapterPlan> requested() {
        return Collections.unmodifiableList(requested);
    }
}
