package dev.heterolora.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.Precision;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToDoubleFunction;

/**
 * The one optimisation loop of every trainer here (SFT, the reward model, PPO's minibatch updates), in the spirit
 * of DJL's {@code EasyTrain.trainBatch}: each update takes the next rows of a seeded {@link BatchOrder}, builds the
 * trainer's loss (its {@link Objective}) under the gradient collector, stops on a non-finite loss before the
 * backward pass, clips the global gradient norm and stops on a non-finite one before the weights change, applies one
 * AdamW step and reads the update's record, which then goes to a {@link StepListener}. Gradients are cleared when
 * the loop ends, normally or not. Trainers differ only in their objective and records.
 *
 * <p>When the optimizer holds fp16 parameters it carries a {@link LossScale}: the backward pass then runs on the
 * scaled loss, the norm and clipping see the unscaled gradients (undone in fp32 inside the AdamW step), and an
 * update whose gradients overflowed is skipped — weights and moments unchanged, the scale halved — and reported
 * with an infinite gradient norm instead of stopping the run. Without fp16 parameters none of this runs.
 *
 * <p>Array lifetimes follow the structure: each update runs in a scope of its own, a sub-manager of the model's
 * manager that the loop opens and closes, and the objective creates its inputs in that scope (slicing a larger array
 * with {@code get(scope, index)}, not moving the result afterwards), so everything computed from them is freed with
 * it. DJL's {@code NDScope} would also close arrays a model creates for itself in a forward pass (its rotary tables
 * grow on demand), so it is not used.
 *
 * <p>Nothing here is random: the batch order comes from the caller's seeded {@link BatchOrder}, and no forward pass
 * draws from DJL's process-wide generator (see {@link Tuning.Lora}).
 *
 * @param home the manager the update scopes are opened under (the trained model's)
 * @param optimizer updates its own parameters, which are the ones clipped and cleared
 * @param where names an update in error messages, followed by its number from 1 ({@code "step "},
 *              {@code "PPO step 3, update "})
 */
public record TrainLoop(NDManager home, AdamW optimizer, double maxGradNorm, String where) {

    /** A trainer's half of an update: the loss of a batch. */
    @FunctionalInterface
    public interface Objective<R> {
        /**
         * The loss of the examples {@code rows} (indices into the trainer's data), built under the gradient
         * collector; its arrays belong to {@code scope}, which the loop closes after the update.
         */
        Loss<R> forward(NDManager scope, List<Integer> rows);
    }

    /** A batch's scalar loss and how its update is reported. */
    public interface Loss<R> {
        /** The differentiable scalar loss. */
        NDArray value();

        /**
         * The record of update {@code update} (0-based), read off the device once the weights have changed (the
         * batch's arrays are still open).
         *
         * @param loss the value of {@link #value()}
         * @param gradNorm the global gradient norm before clipping
         */
        R record(int update, float loss, double gradNorm);

        /** More about a non-finite loss, for its error message ("" when the value says it all). */
        default String diagnosis() {
            return "";
        }
    }

    /** What a supervised trainer's update record carries at least. */
    public interface Update {
        /** The update's number, from 0. */
        int step();

        float loss();

        /**
         * The global gradient norm before clipping; +∞ for an fp16 update skipped because its scaled gradients
         * overflowed.
         */
        double gradNorm();
    }

    /**
     * A finished supervised run: its update records in order and its wall time, with the per-step series as arrays
     * for callers that index them.
     */
    public interface History<R extends Update> {
        List<R> steps();

        double seconds();

        /** The training loss of every update. */
        default float[] losses() {
            return floats(Update::loss);
        }

        /** {@code figure} (a float of the record) of every update. */
        default float[] floats(ToDoubleFunction<? super R> figure) {
            float[] out = new float[steps().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) figure.applyAsDouble(steps().get(i));
            }
            return out;
        }

        /** The gradient norm before clipping of every update. */
        default double[] gradNorms() {
            return steps().stream().mapToDouble(Update::gradNorm).toArray();
        }

        /** Mean of {@code figure} over the last {@code n} updates (all when fewer; NaN when there are none). */
        default double meanOfLast(int n, ToDoubleFunction<? super R> figure) {
            List<R> last = steps().subList(Math.max(0, steps().size() - n), steps().size());
            double sum = 0;
            for (R r : last) {
                sum += figure.applyAsDouble(r);
            }
            return last.isEmpty() ? Double.NaN : sum / last.size();
        }
    }

    /**
     * Runs {@code updates} updates on the batches of {@code order}, update {@code u} with learning rate
     * {@code learningRate(u)}; each update's record goes to {@code listener}.
     *
     * @throws HeteroloraException on a non-finite loss or gradient norm (that update leaves the weights alone)
     */
    public <R> void run(int updates, BatchOrder order, IntToDoubleFunction learningRate, Objective<R> objective,
                        StepListener<? super R> listener) {
        try {
            for (int u = 0; u < updates; u++) {
                listener.onStep(update(u, order.next(), learningRate.applyAsDouble(u), objective));
            }
        } finally {
            optimizer.zeroGradients();
        }
    }

    private <R> R update(int u, List<Integer> rows, double learningRate, Objective<R> objective) {
        LossScale scaling = optimizer.lossScale();
        try (NDManager scope = home.newSubManager()) {
            Loss<R> loss;
            float value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = objective.forward(scope, rows);
                value = loss.value().getFloat();
                if (!Float.isFinite(value)) {
                    throw stop("loss", u, loss.diagnosis().isEmpty() ? Float.toString(value)
                            : value + "; " + loss.diagnosis());
                }
                NDArray l = loss.value();
                gc.backward(scaling == null ? l : l.mul(Precision.scalar(l, scaling.value())));
            }
            if (scaling != null) {
                return loss.record(u, value, scaledStep(scaling, learningRate));
            }
            double norm = AdamW.clipGlobalNorm(optimizer.parameters(), maxGradNorm);
            if (!Double.isFinite(norm)) {
                throw stop("gradient norm", u, Double.toString(norm));
            }
            optimizer.step(learningRate);
            return loss.record(u, value, norm);
        }
    }

    /**
     * The step of a run with fp16 parameters, whose gradients carry the loss scale: clipped and unscaled in one
     * factor applied in fp32, or skipped on overflow (gradients cleared). Returns the unscaled norm, +∞ if skipped.
     */
    private double scaledStep(LossScale scaling, double learningRate) {
        double scale = scaling.value();
        double norm = AdamW.gradientNorm(optimizer.parameters()) / scale;
        boolean finite = Double.isFinite(norm);
        scaling.update(finite);
        if (!finite) {
            optimizer.zeroGradients();
            return Double.POSITIVE_INFINITY;
        }
        double clip = norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
        optimizer.step(learningRate, clip / scale);
        return norm;
    }

    private HeteroloraException stop(String what, int u, String detail) {
        return new HeteroloraException("non-finite " + what + " at " + where + (u + 1) + " (" + detail
                + "); the run stops here, before the weights change (lower the learning rate or check the data)");
    }
}
