package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import dev.heterolora.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Trains a {@link RewardModel} on preference pairs with the Bradley–Terry loss {@code −log σ(r_chosen − r_rejected)}
 * (mean over the batch): chosen and rejected sequences go through the model as one batch of 2·B rows. LoRA or
 * full fine-tuning of the backbone; the head always trains. The optimisation is {@link TrainLoop}'s.
 */
public final class RewardTrainer {

    /**
     * One optimizer update.
     *
     * @param accuracy the fraction of the batch's pairs whose chosen sequence scored higher
     */
    public record Step(int step, float loss, float accuracy, double gradNorm) implements TrainLoop.Update {}

    /** Every update, in order, and the run's wall time. */
    public record Result(List<Step> steps, double seconds) implements TrainLoop.History<Step> {
        public Result {
            steps = List.copyOf(steps);
        }

        /** The in-batch accuracy of every update. */
        public float[] accuracies() {
            return floats(Step::accuracy);
        }

        public double meanLossOfLast(int n) {
            return meanOfLast(n, Step::loss);
        }

        public double meanAccuracyOfLast(int n) {
            return meanOfLast(n, Step::accuracy);
        }
    }

    /** A batch's loss as {@link TrainLoop} takes it, with the scores its accuracy is read from. */
    private record PairLoss(NDArray value, NDArray chosen, NDArray rejected) implements TrainLoop.Loss<Step> {
        @Override
        public Step record(int update, float loss, double gradNorm) {
            return new Step(update, loss, chosen.gt(rejected).toType(DataType.FLOAT32, false).mean().getFloat(),
                    gradNorm);
        }
    }

    private final RewardModel model;
    private final Supervised run;

    public RewardTrainer(RewardModel model, Tuning tuning, TrainSettings settings) {
        this.model = model;
        this.run = new Supervised(model.backbone().manager(), model.prepare(tuning, settings.seed()), settings,
                tuning.isLora() ? "reward (LoRA)" : "reward (full)");
    }

    public List<Parameter> parameters() {
        return run.parameters();
    }

    /**
     * Bradley–Terry loss per pair, {@code −log σ(d)} computed stably as {@code relu(−d) + log(1 + e^{−|d|})}
     * (no number operand whose backward needs it: see {@link dev.heterolora.model.Precision#scalar}).
     */
    public static NDArray bradleyTerry(NDArray chosen, NDArray rejected) {
        NDArray d = chosen.sub(rejected);
        return Activation.relu(d.neg()).add(d.abs().neg().exp().add(1f).log());
    }

    /** Trains on {@code pairs}; the model is updated in place. */
    public Result train(List<PairExample> pairs) {
        return train(pairs, step -> { });
    }

    /** Trains on {@code pairs}, handing each update to {@code listener} as it happens. */
    public Result train(List<PairExample> pairs, StepListener<? super Step> listener) {
        long start = System.nanoTime();
        List<Step> steps = run.train(pairs.size(), (scope, rows) -> loss(scope, rows.stream().map(pairs::get).toList()),
                step -> String.format(Locale.ROOT, "loss %.4f acc %.2f", step.loss(), step.accuracy()), listener);
        return new Result(steps, (System.nanoTime() - start) / 1e9);
    }

    /** The mean Bradley–Terry loss of {@code batch}: its chosen sequences, then its rejected ones, in one forward. */
    private PairLoss loss(NDManager scope, List<PairExample> batch) {
        List<int[]> rows = new ArrayList<>(2 * batch.size());
        for (PairExample p : batch) {
            rows.add(cut(p.chosen()));
        }
        for (PairExample p : batch) {
            rows.add(cut(p.rejected()));
        }
        TokenBatch tokens = TokenBatch.rightPadded(scope, rows, 0);
        NDArray r = model.rewards(tokens.ids(), tokens.mask(), true);
        NDArray chosen = r.get(new NDIndex("0:{}", batch.size()));
        NDArray rejected = r.get(new NDIndex("{}:", batch.size()));
        return new PairLoss(bradleyTerry(chosen, rejected).mean(), chosen, rejected);
    }

    /** Cuts a sequence to {@code maxLength} tokens, keeping its start (the prompt). */
    private int[] cut(int[] seq) {
        int maxLength = run.settings().maxLength();
        return seq.length <= maxLength ? seq : Arrays.copyOf(seq, maxLength);
    }
}
