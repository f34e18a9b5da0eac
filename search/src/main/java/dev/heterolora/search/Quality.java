package dev.heterolora.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How good a search's answer is known to be: why the search stopped and, where the fitness is additive over sites,
 * how far the answer is from the best possible plan. It exists because a GA's best plan alone says nothing about
 * what it missed (the issue behind it: a default search that stopped on steady fitness at half the exact optimum).
 *
 * <p>For an additive fitness the exact optimum is computed by the knapsack DP whatever the strategy (a fraction of
 * a second even on Llama-7B's shapes); where its table would be too large, the LP relaxation gives an upper bound
 * instead. For fitness that is not additive no bound is known and both are empty.
 *
 * @param stopReason  why the strategy stopped
 * @param generations generations after the initial population (0 for single-batch strategies)
 * @param optimum     the exact optimum of an additive fitness
 * @param upperBound  an upper bound on every plan's fitness when the optimum is not computed (LP relaxation)
 * @param gapPercent  how far the best plan is below the optimum or bound, in percent of it (never negative)
 */
public record Quality(StopReason stopReason, int generations, OptionalDouble optimum, OptionalDouble upperBound,
                      OptionalDouble gapPercent) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The quality of {@code best} found by a run that stopped for {@code reason}, bounded by {@code additive}. */
    static Quality of(StopReason reason, int generations, double best, Optional<Knapsack> additive) {
        if (additive.isEmpty()) {
            return new Quality(reason, generations, OptionalDouble.empty(), OptionalDouble.empty(),
                    OptionalDouble.empty());
        }
        Knapsack k = additive.get();
        Optional<int[]> exact = k.exact();
        OptionalDouble optimum = exact.map(g -> OptionalDouble.of(k.table().total(g))).orElse(OptionalDouble.empty());
        OptionalDouble upper = exact.isPresent() ? OptionalDouble.empty() : OptionalDouble.of(k.upperBound());
        double bound = exact.isPresent() ? optimum.getAsDouble() : upper.getAsDouble();
        double gap = 100 * (bound - best) / Math.abs(bound);
        return new Quality(reason, generations, optimum, upper,
                Double.isFinite(gap) ? OptionalDouble.of(Math.max(0, gap)) : OptionalDouble.empty());
    }

    /**
     * One line for people, e.g. {@code steady fitness after 312 generations; 0.31% below the optimum 45.2389}.
     */
    public String describe() {
        String why = switch (stopReason) {
            case EXACT -> "exact optimum (knapsack dynamic programming)";
            case STEADY_FITNESS -> "steady fitness after " + generations + " generations";
            case GENERATION_LIMIT -> "generation limit reached after " + generations
                    + " generations (still improving)";
            case RULE -> "fixed rule";
            case SAMPLES -> "all samples evaluated";
        };
        if (gapPercent.isEmpty() || stopReason == StopReason.EXACT) {
            return why;
        }
        return optimum.isPresent()
                ? String.format("%s; %.2f%% below the optimum %.6g", why, gapPercent.getAsDouble(),
                optimum.getAsDouble())
                : String.format("%s; at most %.2f%% below the optimum (LP upper bound %.6g)", why,
                gapPercent.getAsDouble(), upperBound.getAsDouble());
    }

    /**
     * JSON form: {@code {"stop_reason":"steady_fitness","generations":312,"optimum":…,"gap_percent":…}}, with
     * {@code optimum}, {@code upper_bound} and {@code gap_percent} present only when known.
     */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("stop_reason", stopReason.id());
        o.put("generations", generations);
        optimum.ifPresent(v -> o.put("optimum", v));
        upperBound.ifPresent(v -> o.put("upper_bound", v));
        gapPercent.ifPresent(v -> o.put("gap_percent", v));
        return o;
    }
}
