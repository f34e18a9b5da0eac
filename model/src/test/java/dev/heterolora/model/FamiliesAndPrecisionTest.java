package dev.heterolora.model;

import dev.heterolora.core.ModelFamily;

import dev.heterolora.core.ModelConfig;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.heterolora.model.io.SafeTensorCheckpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qwen2 (q/k/v biases) in HF layout, fp16 base weights, and the ~1M-parameter architecture. */
class FamiliesAndPrecisionTest {

    @Test
    void qwen2RoundTripsThroughHfLayoutWithItsBiases(@TempDir Path tmp) {
        ModelConfig c = new ModelConfig(ModelFamily.QWEN2, 97, 32, 2, 4, 2, 8, 48, 64, 1e-6, 1_000_000, null, true,
                true, false, 1, 2);
        try (CausalLM model = RandomModel.create(c, ComputeSettings.cpu(), 5)) {
            assertThat(model.baseParameterCount()).isEqualTo(c.baseParameters());
            HfCheckpoint.save(model, tmp);
            try (SafeTensorCheckpoint ckpt = SafeTensorCheckpoint.open(tmp)) {
                assertThat(ckpt.names()).contains("model.layers.0.self_attn.q_proj.bias",
                        "model.layers.1.self_attn.v_proj.bias").doesNotContain("lm_head.weight",
                        "model.layers.0.self_attn.o_proj.bias");
            }
            ModelConfig back = ModelConfig.read(tmp);
            assertThat(back).isEqualTo(c);
            try (CausalLM again = HfCheckpoint.load(tmp, ComputeSettings.cpu());
                 NDManager scope = model.manager().newSubManager()) {
                TokenBatch b = TokenBatch.rightPadded(scope, List.of(new int[] {3, 9, 27, 81 % 97}, new int[] {5}), 0);
                assertThat(again.logits(b.ids(), b.mask()).toFloatArray())
                        .containsExactly(model.logits(b.ids(), b.mask()).toFloatArray());
            }
        }
    }

    @Test
    void fp16BaseWeightsKeepLossWithinAThousandth() {
        Path dir = Fixtures.hf("llama-tiny");
        List<int[]> rows = List.of(new int[] {137, 180, 12, 2, 136, 114, 57}, new int[] {140, 20, 97, 76, 38});
        try (CausalLM fp32 = HfCheckpoint.load(dir, ComputeSettings.cpu());
             CausalLM fp16 = HfCheckpoint.load(dir, new ComputeSettings(ai.djl.Device.cpu(), DataType.FLOAT16))) {
            PeftAdapters.importInto(fp16, dir.resolve("adapter"));
            PeftAdapters.importInto(fp32, dir.resolve("adapter"));
            assertThat(fp16.adapterParameters()).allMatch(p -> p.getArray().getDataType() == DataType.FLOAT16);
            assertThat(fp16.baseParameters()).allMatch(p -> p.getArray().getDataType() == DataType.FLOAT16);
            double a = Scoring.perRow(fp32, rows, 2).get(0).meanLoss();
            double b = Scoring.perRow(fp16, rows, 2).get(0).meanLoss();
            assertThat(Math.abs(a - b) / a).isLessThan(1e-3);
        }
    }

    @Test
    void smallLlamaIsAboutAMillionParameters() {
        ModelConfig c = RandomModel.smallLlama(99, 128);
        assertThat(c.baseParameters()).isBetween(900_000L, 1_100_000L);
    }
}
