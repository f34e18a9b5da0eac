package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.PeftAdapters;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Supervised fine-tuning on prompt/response pairs: each sequence is {@code [BOS] + prompt + response + EOS}, and
 * the loss is the token-weighted mean cross-entropy over the response tokens (EOS included) of the batch — the
 * prompt is context only. Trains the adapters of a plan (base frozen) or every weight ({@link Tuning}) through
 * {@link TrainLoop}: AdamW, warm-up + cosine schedule, global-norm clipping, batch order from the seed.
 */
public final class SftTrainer {

    /**
     * One optimizer update.
     *
     * @param targets the response tokens trained on
     */
    public record Step(int step, float loss, double gradNorm, int targets) implements TrainLoop.Update {}

    /**
     * What a run did.
     *
     * @param steps every update, in order
     * @param skipped examples dropped because their prompt alone filled {@code maxLength}
     */
    public record Result(List<Step> steps, int skipped, double seconds) implements TrainLoop.History<Step> {
        public Result {
            steps = List.copyOf(steps);
        }

        /** Response tokens trained on, over all updates. */
        public long trainedTokens() {
            return steps.stream().mapToLong(Step::targets).sum();
        }

        /** Mean loss of the last {@code n} updates (all when fewer). */
        public double meanOfLast(int n) {
            return meanOfLast(n, Step::loss);
        }
    }

    /**
     * One padded batch.
     *
     * @param ids token ids [batch, t] (int64, right-padded)
     * @param attentionMask 1 for real tokens [batch, t]
     * @param targetMask 1 for tokens that are trained on as targets (response and EOS) [batch, t]
     * @param targets number of target tokens
     */
    public record Batch(NDArray ids, NDArray attentionMask, NDArray targetMask, int targets) {}

    /** A batch's loss as {@link TrainLoop} takes it. */
    private record BatchLoss(NDArray value, int targets) implements TrainLoop.Loss<Step> {
        @Override
        public Step record(int update, float loss, double gradNorm) {
            return new Step(update, loss, gradNorm, targets);
        }
    }

    private final CausalLM model;
    private final Supervised run;

    /** Prepares {@code model} for {@code tuning} (adapters put, or base weights unfrozen). */
    public SftTrainer(CausalLM model, Tuning tuning, TrainSettings settings) {
        this.model = model;
        this.run = new Supervised(model.manager(), tuning.prepare(model, settings.seed()), settings,
                tuning.isLora() ? "SFT (LoRA)" : "SFT (full)");
    }

    public List<Parameter> parameters() {
        return run.parameters();
    }

    /** Trains on {@code examples}; the model is updated in place. */
    public Result train(List<SftExample> examples) {
        return train(examples, step -> { });
    }

    /** Trains on {@code examples}, handing each update to {@code listener} as it happens. */
    public Result train(List<SftExample> examples, StepListener<? super Step> listener) {
        long start = System.nanoTime();
        int maxLength = run.settings().maxLength();
        List<SftExample> usable = examples.stream().filter(e -> e.prompt().length < maxLength).toList();
        if (usable.isEmpty()) {
            throw new HeteroloraException("no example fits in --max-length " + maxLength
                    + " (every prompt is at least that long)");
        }
        List<Step> steps = run.train(usable.size(), (scope, rows) -> {
            Batch b = batch(scope, rows.stream().map(usable::get).toList(), maxLength);
            return new BatchLoss(loss(b, true), b.targets());
        }, step -> String.format(Locale.ROOT, "loss %.4f", step.loss()), listener);
        return new Result(steps, examples.size() - usable.size(), (System.nanoTime() - start) / 1e9);
    }

    /** The scalar training loss of a batch (token-weighted mean NLL over target tokens). */
    public NDArray loss(Batch b, boolean training) {
        return LanguageModelLoss.of(model, model.hidden(b.ids(), b.attentionMask(), null, training), b.ids(),
                b.targetMask()).mean();
    }

    /** Token-weighted mean response loss of {@code examples} under the current weights (no gradients). */
    public static double evaluate(CausalLM model, List<SftExample> examples, int batchSize, int maxLength) {
        double sum = 0;
        long count = 0;
        for (int start = 0; start < examples.size(); start += batchSize) {
            List<SftExample> rows = examples.subList(start, Math.min(examples.size(), start + batchSize)).stream()
                    .filter(e -> e.prompt().length < maxLength).toList();
            if (rows.isEmpty()) {
                continue;
            }
            try (NDManager scope = model.manager().newSubManager()) {
                Batch b = batch(scope, rows, maxLength);
                LanguageModelLoss.TokenLosses tl = LanguageModelLoss.of(model,
                        model.hidden(b.ids(), b.attentionMask(), null, false), b.ids(), b.targetMask());
                sum += tl.nll().mul(tl.mask()).sum().getFloat();
                count += b.targets();
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * Pads {@code rows} into one batch: each row is prompt + response cut to {@code maxLength} (the response end
     * is dropped first), padded on the right with id 0.
     */
    public static Batch batch(NDManager manager, List<SftExample> rows, int maxLength) {
        int width = 0;
        for (SftExample e : rows) {
            width = Math.max(width, Math.min(maxLength, e.length()));
        }
        long[] ids = new long[rows.size() * width];
        long[] attention = new long[ids.length];
        long[] target = new long[ids.length];
        int targets = 0;
        for (int r = 0; r < rows.size(); r++) {
            SftExample e = rows.get(r);
            int n = Math.min(maxLength, e.length());
            int base = r * width;
            for (int i = 0; i < n; i++) {
                boolean response = i >= e.prompt().length;
                ids[base + i] = response ? e.response()[i - e.prompt().length] : e.prompt()[i];
                attention[base + i] = 1;
                if (response) {
                    target[base + i] = 1;
                    targets++;
                }
            }
        }
        Shape shape = new Shape(rows.size(), width);
        return new Batch(manager.create(ids, shape), manager.create(attention, shape), manager.create(target, shape),
                targets);
    }

    /**
     * Writes the trained model to {@code out} in HF layout, atomically: full fine-tuning writes config.json +
     * model.safetensors; LoRA writes the adapters in PEFT layout ({@code adapter_config.json} +
     * {@code adapter_model.safetensors}, shortcuts in a file of their own) pointing at {@code baseModelPath}.
     * The tokenizer files of {@code tokenizerDir} (may be null) are copied beside.
     */
    public static void save(CausalLM model, Tuning tuning, Path out, Path tokenizerDir, String baseModelPath,
                            boolean replace) {
        OutputDirectory.write(out, replace, dir -> {
            if (tuning.isLora()) {
                PeftAdapters.export(model, dir, baseModelPath);
            } else {
                HfCheckpoint.save(model, dir);
            }
            if (tokenizerDir != null) {
                OutputDirectory.copyIfPresent(tokenizerDir, dir, OutputDirectory.TOKENIZER_FILES);
            }
        });
    }
}
