package dev.heterolora.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.heterolora.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Trains a {@link RewardModel} on preference pairs with the Bradley–Terry loss {@code −log σ(r_chosen − r_rejected)}
 * (mean over the batch): chosen and rejected sequences go through the model as one batch of 2·B rows. LoRA or
 * full fine-tuning of the backbone; the head always trains.
 */
public final class RewardTrainer {

    /** Per-step losses and in-batch accuracies. */
    public record Result(float[] losses, float[] accuracies, double[] gradNorms, double seconds) {
        public double meanLossOfLast(int n) {
            return meanOfLast(losses, n);
        }

        public double meanAccuracyOfLast(int n) {
            return meanOfLast(accuracies, n);
        }

        private static double meanOfLast(float[] v, int n) {
            int from = Math.max(0, v.length - n);
            double s = 0;
            for (int i = from; i < v.length; i++) {
                s += v[i];
            }
            return v.length == from ? Double.NaN : s / (v.length - from);
        }
    }

    private final RewardModel model;
    private final Tuning tuning;
    private final TrainSettings settings;
    private final List<Parameter> parameters;

    public RewardTrainer(RewardModel model, Tuning tuning, TrainSettings settings) {
        this.model = model;
        this.tuning = tuning;
        this.settings = settings;
        this.parameters = model.prepare(tuning, settings.seed());
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * Bradley–Terry loss per pair, {@code −log σ(d)} computed stably as {@code relu(−d) + log(1 + e^{−|d|})}
     * (no number operand whose backward needs it: see {@link Scalars}).
     */
    public static NDArray bradleyTerry(NDArray chosen, NDArray rejected) {
        NDArray d = chosen.sub(rejected);
        return Activation.relu(d.neg()).add(d.abs().neg().exp().add(1f).log());
    }

    /** Trains on {@code pairs}; the model is updated in place. */
    public Result train(List<PairExample> pairs) {
        int total = settings.totalSteps(pairs.size());
        float[] losses = new float[total];
        float[] accuracies = new float[total];
        double[] norms = new double[total];
        long t0 = System.nanoTime();
        Engine.getInstance().setRandomSeed((int) settings.seed());
        BatchOrder order = new BatchOrder(pairs.size(), settings.batchSize(), settings.seed());
        try (AdamW opt = new AdamW(parameters, AdamW.Settings.withWeightDecay(settings.weightDecay()));
             Progress bar = Progress.start(tuning.isLora() ? "reward (LoRA)" : "reward (full)", total,
                     settings.progress())) {
            for (int step = 0; step < total; step++) {
                List<Integer> idx = order.next();
                List<int[]> rows = new ArrayList<>(2 * idx.size());
                for (int i : idx) {
                    rows.add(cut(pairs.get(i).chosen()));
                }
                for (int i : idx) {
                    rows.add(cut(pairs.get(i).rejected()));
                }
                int b = idx.size();
                try (NDManager scope = model.backbone().manager().newSubManager()) {
                    TokenBatch batch = TokenBatch.rightPadded(scope, rows, 0);
                    float loss;
                    float accuracy;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray r = model.rewards(batch.ids(), batch.mask(), true);
                        NDArray chosen = r.get(new NDIndex("0:{}", b));
                        NDArray rejected = r.get(new NDIndex("{}:", b));
                        NDArray l = bradleyTerry(chosen, rejected).mean();
                        gc.backward(l);
                        loss = l.getFloat();
                        accuracy = chosen.gt(rejected).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean()
                                .getFloat();
                    }
                    AdamW.requireFinite(loss, "loss", step + 1);
                    norms[step] = AdamW.requireFinite(AdamW.clipGlobalNorm(parameters, settings.maxGradNorm()),
                            "gradient norm", step + 1);
                    opt.step(settings.learningRateAt(step, total));
                    losses[step] = loss;
                    accuracies[step] = accuracy;
                }
                bar.step(String.format(Locale.ROOT, "loss %.4f acc %.2f", losses[step], accuracies[step]));
            }
        } finally {
            AdamW.zeroGradients(parameters);
        }
        return new Result(losses, accuracies, norms, (System.nanoTime() - t0) / 1e9);
    }

    /** Cuts a sequence to {@code maxLength} tokens, keeping its start (the prompt). */
    private int[] cut(int[] seq) {
        return seq.length <= settings.maxLength() ? seq : Arrays.copyOf(seq, settings.maxLength());
    }
}
