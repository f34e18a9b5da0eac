package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.Comparator;

/**
 * One evaluated plan with its parameter count: the unit strategies compare, results report and Pareto fronts are
 * made of.
 */
public record ScoredPlan(AdapterPlan plan, long parameters, Evaluation evaluation) {

    /**
     * Better first: higher fitness (NaN counts as worst), then fewer parameters. Plans equal under it keep their
     * evaluation order wherever a stable sort or a "first wins" scan uses it.
     */
    public static final Comparator<ScoredPlan> BETTER_FIRST =
            Comparator.comparingDouble(ScoredPlan::rankingFitness).reversed()
                    .thenComparingLong(ScoredPlan::parameters);

    /** The fitness to rank by: the evaluation's fitness, with NaN as negative infinity so it never wins. */
    public double rankingFitness() {
        double f = evaluation.fitness();
        return Double.isNaN(f) ? Double.NEGATIVE_INFINITY : f;
    }
}
