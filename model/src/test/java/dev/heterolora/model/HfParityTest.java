package dev.heterolora.model;

import dev.heterolora.core.AdapterSite;

import dev.heterolora.core.AdapterPlan;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.model.io.SafeTensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Logits, LoRA logits, LoRA gradients at B = 0, loss and parameter counts against transformers/PEFT. */
class HfParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Batch(NDArray ids, NDArray mask) {}

    private static Batch batch(NDManager m, SafeTensorFile expected) {
        long[] shape = expected.entry("input_ids").shape();
        return new Batch(m.create(expected.readInts("input_ids"), new Shape(shape)),
                m.create(expected.readInts("attention_mask"), new Shape(shape)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void baseLogitsMatchTransformers(String name) {
        Path dir = Fixtures.hf(name);
        try (CausalLM model = HfCheckpoint.load(dir, ComputeSettings.cpu());
             SafeTensorFile expected = SafeTensorFile.open(dir.resolve("expected.safetensors"));
             NDManager scope = model.manager().newSubManager()) {
            Batch b = batch(scope, expected);
            float[] ours = model.logits(b.ids(), b.mask()).toFloatArray();
            assertThat(Fixtures.relativeError(ours, expected.readFloats("base_logits"))).isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void peftAdapterLogitsMatch(String name) {
        Path dir = Fixtures.hf(name);
        try (CausalLM model = HfCheckpoint.load(dir, ComputeSettings.cpu());
             SafeTensorFile expected = SafeTensorFile.open(dir.resolve("expected.safetensors"));
             NDManager scope = model.manager().newSubManager()) {
            PeftAdapters.importInto(model, dir.resolve("adapter"));
            Batch b = batch(scope, expected);
            float[] ours = model.logits(b.ids(), b.mask()).toFloatArray();
            assertThat(Fixtures.relativeError(ours, expected.readFloats("lora_logits"))).isLessThan(1e-4);
            model.setAdaptersEnabled(false);
            float[] off = model.logits(b.ids(), b.mask()).toFloatArray();
            assertThat(Fixtures.relativeError(off, expected.readFloats("base_logits"))).isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void loraGradientsAtZeroBMatchPeft(String name) throws IOException {
        Path dir = Fixtures.hf(name);
        JsonNode facts = JSON.readTree(dir.resolve("expected.json").toFile());
        try (CausalLM model = HfCheckpoint.load(dir, ComputeSettings.cpu());
             SafeTensorFile expected = SafeTensorFile.open(dir.resolve("expected.safetensors"));
             NDManager scope = model.manager().newSubManager()) {
            AdapterPlan plan = PeftAdapters.importInto(model, dir.resolve("adapter"));
            assertThat(model.baseParameterCount()).isEqualTo(facts.get("base_params").asLong());
            assertThat(model.config().baseParameters()).isEqualTo(facts.get("base_params").asLong());
            assertThat(plan.trainableParameters(model.config())).isEqualTo(facts.get("trainable_lora_params").asLong());
            for (Map.Entry<AdapterSite, LoraAdapter> e : new java.util.TreeMap<>(model.adapters()).entrySet()) {
                LoraAdapter a = e.getValue();
                model.putAdapter(e.getKey(), a.shape(), a.a().getArray().duplicate(),
                        scope.zeros(a.b().getArray().getShape()), 0f);
            }
            Batch b = batch(scope, expected);
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = LanguageModelLoss.of(model.logits(b.ids(), b.mask()), b.ids(), b.mask()).mean();
                gc.backward(l);
                loss = l.getFloat();
            }
            assertThat((double) loss).isCloseTo(facts.get("loss_at_init").asDouble(),
                    org.assertj.core.data.Percentage.withPercentage(1e-3));
            int checked = 0;
            for (LoraAdapter a : model.adapters().values()) {
                String peft = "grad.base_model.model." + model.config().family().peftModulePath(a.site());
                float[] gb = a.b().getArray().getGradient().toFloatArray();
                float[] refB = expected.readFloats(peft + ".lora_B.default.weight");
                assertThat(Fixtures.relativeError(gb, refB)).as("grad B at %s", a.site()).isLessThan(1e-4);
                float[] ga = a.a().getArray().getGradient().toFloatArray();
                assertThat(ga).as("grad A at %s", a.site()).containsOnly(0f);
                assertThat(expected.readFloats(peft + ".lora_A.default.weight")).containsOnly(0f);
                checked++;
            }
            assertThat(checked).isEqualTo(model.config().sites(false).size());
        }
    }

    @org.junit.jupiter.api.Test
    void tokenizerMatchesHuggingFace() throws IOException {
        Path dir = Fixtures.hf("gpt2-tiny");
        JsonNode expected = JSON.readTree(dir.resolve("tokenizer_expected.json").toFile());
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            int[] ids = tok.encode(expected.get("text").asText());
            int[] want = new int[expected.get("ids").size()];
            Arrays.setAll(want, i -> expected.get("ids").get(i).asInt());
            assertThat(ids).containsExactly(want);
            assertThat(tok.decode(ids)).isEqualTo(expected.get("text").asText());
        }
    }
}
