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
    private final Optional<SiteScores> surrogate;
    private final List<AdapterPlan> requested = new ArrayList<>();

    /**
     * @param trials    the study's trials
     * @param additive  the study's per-site scores when its fitness was additive (every strategy but
     *                  {@code uniform}, {@code peft-default}, {@code all-linear} and {@code random} uses them:
     *                  {@code auto} picks the DP by them, {@code ga} and {@code nsga2} start from their optimum;
     *                  e.g. a stored {@link SiteScoreTable}), else empty
     * @param surrogate the study fitness's {@link PlanFitness#surrogate()} (the same as {@code additive} for an
     *                  additive fitness)
     */
    public ReplayFitness(List<TrialRecord> trials, Optional<SiteScores> additive, Optional<SiteScores> surrogate) {
        this.stored = TrialRecord.index(trials);
        this.additive = additive;
        this.surrogate = surrogate;
    }

    /** A replay of a study whose fitness had no surrogate besides its additive part. */
    public ReplayFitness(List<TrialRecord> trials, Optional<SiteScores> additive) {
        this(trials, additive, additive);
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

    @Override
    public Optional<SiteScores> surrogate() {
        return surrogate;
    }

    /** Every plan asked for so far, in order (including the unknown one a divergence stopped at). */
    public List<AdapterPlan> requested() {
        return Collections.unmodifiableList(requested);
    }
}
