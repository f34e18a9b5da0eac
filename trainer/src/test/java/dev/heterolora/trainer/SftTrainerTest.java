package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.PeftAdapters;
import dev.heterolora.model.Scoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {

    /** prompt: BOS + 3 digits (ids 3..12); response: the digits reversed + EOS. */
    static List<SftExample> reverseTask(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<SftExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = {TinyModels.BOS, 3 + rng.nextInt(10), 3 + rng.nextInt(10), 3 + rng.nextInt(10)};
            int[] r = {p[3], p[2], p[1], TinyModels.EOS};
            out.add(new SftExample(p, r));
        }
        return out;
    }

    static TrainSettings quick(int steps) {
        return TrainSettings.defaults().withSteps(steps).withBatchSize(16).withLearningRate(3e-3).withWarmup(5)
                .withProgress(false).withSeed(7);
    }

    @Test
    void targetMaskCoversOnlyResponseTokens() {
        try (CausalLM model = TinyModels.model(16, 1); NDManager m = model.manager().newSubManager()) {
            List<SftExample> rows = List.of(new SftExample(new int[] {1, 5, 6}, new int[] {7, 8, 2}),
                    new SftExample(new int[] {1, 9}, new int[] {4, 2}));
            SftTrainer.Batch b = SftTrainer.batch(m, rows, 64);
            assertThat(b.ids().toLongArray()).containsExactly(1, 5, 6, 7, 8, 2, 1, 9, 4, 2, 0, 0);
            assertThat(b.attentionMask().toLongArray()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
            assertThat(b.targetMask().toLongArray()).containsExactly(0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0);
            assertThat(b.targets()).isEqualTo(5);

            // the loss is the mean NLL of exactly those 5 targets
            NDArray logits = model.logits(b.ids(), b.attentionMask());
            float[] nll = LanguageModelLoss.of(logits, b.ids(), b.attentionMask()).nll().toFloatArray(); // [2, 5]
            double expected = (nll[2] + nll[3] + nll[4] + nll[5 + 1] + nll[5 + 2]) / 5.0;
            SftTrainer trainer = new SftTrainer(model, new Tuning.Full(), quick(1));
            assertThat((double) trainer.loss(b, false).getFloat()).isCloseTo(expected, within(1e-5));

            // truncation cuts the response end, never the prompt
            SftTrainer.Batch cut = SftTrainer.batch(m, rows.subList(0, 1), 4);
            assertThat(cut.ids().toLongArray()).containsExactly(1, 5, 6, 7);
            assertThat(cut.targetMask().toLongArray()).containsExactly(0, 0, 0, 1);
        }
    }

    @Test
    void fullFineTuningLowersTheLoss() {
        try (CausalLM model = TinyModels.model(16, 2)) {
            List<SftExample> data = reverseTask(256, 3);
            double before = SftTrainer.evaluate(model, data, 64, 64);
            SftTrainer.Result r = new SftTrainer(model, new Tuning.Full(), quick(80)).train(data);
            assertThat(r.losses()).hasSize(80);
            assertThat(r.meanOfLast(10)).isLessThan(0.6 * r.losses()[0]);
            assertThat(SftTrainer.evaluate(model, data, 64, 64)).isLessThan(0.6 * before);
            assertThat(r.trainedTokens()).isEqualTo(80L * 16 * 4);
        }
    }

    /** The same digits, not reversed: what a "pre-trained" base learns before LoRA adapts it. */
    static List<SftExample> copyTask(int n, long seed) {
        return reverseTask(n, seed).stream().map(e -> new SftExample(e.prompt(),
                new int[] {e.prompt()[1], e.prompt()[2], e.prompt()[3], TinyModels.EOS})).toList();
    }

    @Test
    void loraTrainsOnlyTheAdaptersAndLowersTheLoss() {
        try (CausalLM model = TinyModels.model(16, 2)) {
            new SftTrainer(model, new Tuning.Full(), quick(60)).train(copyTask(256, 4));
            float[] embedBefore = model.baseParameters().get(0).getArray().toFloatArray();
            List<SftExample> data = reverseTask(256, 3);
            double before = SftTrainer.evaluate(model, data, 64, 64);
            AdapterPlan plan = AdapterPlan.uniform(model.config().sites(false), 4, 8);
            SftTrainer trainer = new SftTrainer(model, new Tuning.Lora(plan, 0f), quick(60).withLearningRate(1e-2));
            assertThat(trainer.parameters()).hasSize(2 * plan.adapters().size());
            trainer.train(data);
            assertThat(SftTrainer.evaluate(model, data, 64, 64)).isLessThan(0.9 * before);
            assertThat(model.baseParameters().get(0).getArray().toFloatArray()).containsExactly(embedBefore);
        }
    }

    @Test
    void sameSeedSameLosses() {
        float[] a;
        float[] b;
        try (CausalLM model = TinyModels.model(16, 2)) {
            a = new SftTrainer(model, new Tuning.Full(), quick(10)).train(reverseTask(64, 3)).losses();
        }
        try (CausalLM model = TinyModels.model(16, 2)) {
            b = new SftTrainer(model, new Tuning.Full(), quick(10)).train(reverseTask(64, 3)).losses();
        }
        assertThat(a).containsExactly(b);
    }

    @Test
    void theListenerSeesEveryUpdateOfTheResult() {
        try (CausalLM model = TinyModels.model(16, 2)) {
            List<SftTrainer.Step> seen = new ArrayList<>();
            SftTrainer.Result r = new SftTrainer(model, new Tuning.Full(), quick(6)).train(reverseTask(40, 3),
                    step -> seen.add(step));
            assertThat(r.steps()).isEqualTo(seen);
            assertThat(seen).extracting(SftTrainer.Step::step).containsExactly(0, 1, 2, 3, 4, 5);
            // 40 examples in batches of 16: 16, 16, 8, then the next pass
            assertThat(seen).extracting(SftTrainer.Step::targets).containsExactly(64, 64, 32, 64, 64, 32);
            assertThat(r.trainedTokens()).isEqualTo(320);
            assertThat(r.gradNorms()).containsExactly(seen.stream().mapToDouble(SftTrainer.Step::gradNorm).toArray());
        }
    }

    @Test
    void loraDropoutIsRefusedForItWouldNeedTheProcessWideGenerator() {
        AdapterPlan plan = AdapterPlan.uniform(TinyModels.config(16).sites(false), 2, 4);
        assertThatThrownBy(() -> new Tuning.Lora(plan, 0.1f)).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("not be reproducible");
    }

    @Test
    void nanWeightsStopTrainingWithTheStep() {
        try (CausalLM model = TinyModels.model(16, 2)) {
            SftTrainer trainer = new SftTrainer(model, new Tuning.Full(), quick(5));
            Parameter norm = model.baseParameters().stream().filter(p -> p.getName().equals("norm.weight"))
                    .findFirst().orElseThrow();
            norm.getArray().set(new ai.djl.ndarray.index.NDIndex("0"), Float.NaN);
            assertThatThrownBy(() -> trainer.train(reverseTask(32, 3)))
                    .isInstanceOf(HeteroloraException.class).hasMessageStartingWith("non-finite loss at step 1");
        }
    }

    @Test
    void savesFullModelsAndAdaptersInHfLayout(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("tokenizer.json"), "{}");
        List<SftExample> data = reverseTask(64, 3);
        try (CausalLM model = TinyModels.model(16, 2)) {
            new SftTrainer(model, new Tuning.Full(), quick(5)).train(data);
            Path out = tmp.resolve("full");
            SftTrainer.save(model, new Tuning.Full(), out, tmp, null, false);
            assertThat(out.resolve("config.json")).exists();
            assertThat(out.resolve("model.safetensors")).exists();
            assertThat(out.resolve("tokenizer.json")).exists();
            List<int[]> rows = data.stream().map(e -> TokenCodec.concat(e.prompt(), e.response())).toList();
            try (CausalLM back = HfCheckpoint.load(out, ComputeSettings.cpu())) {
                assertThat(Scoring.perRow(back, rows, 16).get(3).meanLoss())
                        .isCloseTo(Scoring.perRow(model, rows, 16).get(3).meanLoss(), within(1e-5));
            }
            assertThatThrownBy(() -> SftTrainer.save(model, new Tuning.Full(), out, tmp, null, false))
                    .isInstanceOf(HeteroloraException.class).hasMessageContaining("already exists");
        }
        try (CausalLM model = TinyModels.model(16, 2)) {
            AdapterPlan plan = AdapterPlan.uniform(model.config().sites(false), 2, 4);
            Tuning lora = new Tuning.Lora(plan, 0f);
            new SftTrainer(model, lora, quick(5)).train(data);
            Path out = tmp.resolve("lora");
            SftTrainer.save(model, lora, out, tmp, "base", false);
            assertThat(out.resolve("adapter_config.json")).exists();
            assertThat(out.resolve("adapter_model.safetensors")).exists();
            try (CausalLM base = TinyModels.model(16, 2)) {
                assertThat(PeftAdapters.importInto(base, out)).isEqualTo(plan);
            }
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void noLeakPerStep() {
        try (CausalLM model = TinyModels.model(16, 2)) {
            SftTrainer trainer = new SftTrainer(model, new Tuning.Full(), quick(3));
            trainer.train(reverseTask(32, 3));
            int after3 = count(model);
            new SftTrainer(model, new Tuning.Full(), quick(12)).train(reverseTask(32, 3));
            assertThat(count(model)).isEqualTo(after3);
        }
    }

    private static int count(CausalLM model) {
        return ((ai.djl.ndarray.BaseNDManager) model.manager()).getManagedArrays().size();
    }

    @SuppressWarnings("unused")
    private static DataType unused() {
        return DataType.FLOAT32;
    }
}
