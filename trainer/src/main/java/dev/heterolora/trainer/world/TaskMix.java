package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Relative weights of the task kinds in a sample.
 *
 * <p>It exists so that the share of each task family is stated once, validated once, and drawn in a fixed
 * order (kind declaration order), which keeps sampling deterministic for a seed.
 *
 * @param arithmetic weight of {@link TaskKind#ARITHMETIC}
 * @param reverse    weight of {@link TaskKind#REVERSE}
 * @param sort       weight of {@link TaskKind#SORT}
 * @param upper      weight of {@link TaskKind#UPPER}
 * @param fact       weight of {@link TaskKind#FACT}
 */
public record TaskMix(double arithmetic, double reverse, double sort, double upper, double fact) {

    public TaskMix {
        double[] all = {arithmetic, reverse, sort, upper, fact};
        if (Arrays.stream(all).anyMatch(w -> !(w >= 0) || Double.isInfinite(w)) || Arrays.stream(all).sum() <= 0) {
            throw new HeteroloraException("task mix weights must be finite, non-negative and not all zero");
        }
    }

    /** The default mix: a quarter arithmetic, 15% each string transform, 30% facts. */
    public static TaskMix defaults() {
        return new TaskMix(0.25, 0.15, 0.15, 0.15, 0.30);
    }

    /** The weight of {@code kind}. */
    public double weight(TaskKind kind) {
        return switch (kind) {
            case ARITHMETIC -> arithmetic;
            case REVERSE -> reverse;
            case SORT -> sort;
            case UPPER -> upper;
            case FACT -> fact;
        };
    }

    /**
     * This mix without facts, for drawing the computed held-out tasks.
     *
     * @throws HeteroloraException if only facts have weight
     */
    public TaskMix withoutFacts() {
        if (arithmetic + reverse + sort + upper <= 0) {
            throw new HeteroloraException("the task mix gives no weight to arithmetic or string tasks");
        }
        return new TaskMix(arithmetic, reverse, sort, upper, 0);
    }

    /** Draws a kind with probability proportional to its weight. */
    public TaskKind draw(SplittableRandom rng) {
        double total = arithmetic + reverse + sort + upper + fact;
        double u = rng.nextDouble() * total;
        TaskKind last = null;
        for (TaskKind kind : TaskKind.values()) {
            if (weight(kind) > 0) {
                last = kind;
                u -= weight(kind);
                if (u < 0) {
                    return kind;
                }
            }
        }
        return last;
    }
}
