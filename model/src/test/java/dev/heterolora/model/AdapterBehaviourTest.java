package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import dev.heterolora.core.ModelConfig;

import dev.heterolora.core.SiteAdapter;

import dev.heterolora.core.SiteKind;

import dev.heterolora.core.AdapterSite;

import dev.heterolora.core.AdapterPlan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.TensorEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Shortcut adapters, merging, switching adapters off, PEFT round trips and the KV cache. */
class AdapterBehaviourTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A heterogeneous plan over projections and all four shortcut kinds. */
    private static AdapterPlan mixedPlan(ModelConfig c) {
        TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
        List<AdapterSite> sites = c.sites(true);
        for (int i = 0; i < sites.size(); i++) {
            if (i % 3 != 1) {
                int rank = 1 << (i % 4);
                m.put(sites.get(i), new SiteAdapter(rank, 2.0 * rank + i % 2));
            }
        }
        return new AdapterPlan(m);
    }

    /** Gives every adapter a seeded non-zero B. */
    private static TokenBatch sample(NDManager m) {
        return TokenBatch.rightPadded(m, List.of(new int[] {5, 17, 33, 2, 9, 41, 7}, new int[] {3, 8, 13, 21}), 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void shortcutsAtZeroBChangeNothingAndLearnOtherwise(String name) {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu());
             NDManager scope = model.manager().newSubManager()) {
            TokenBatch b = sample(scope);
            float[] base = model.logits(b.ids(), b.mask()).toFloatArray();
            AdapterPlan plan = mixedPlan(model.config());
            assertThat(plan.adapters().keySet()).anyMatch(s -> s.kind() == SiteKind.CROSS_LAYER)
                    .anyMatch(s -> s.kind() == SiteKind.RESIDUAL_ATTN).anyMatch(s -> s.kind() == SiteKind.RESIDUAL_FFN)
                    .anyMatch(s -> s.kind() == SiteKind.CROSS_SUBLAYER);
            model.applyPlan(plan, 7, 0f);
            assertThat(model.logits(b.ids(), b.mask()).toFloatArray()).containsExactly(base);
            assertThat(model.adapterParameters().stream().mapToLong(p -> p.getArray().size()).sum())
                    .isEqualTo(plan.trainableParameters(model.config()));

            Fixtures.randomiseB(model, 3);
            float[] adapted = model.logits(b.ids(), b.mask()).toFloatArray();
            assertThat(Fixtures.relativeError(adapted, base)).isGreaterThan(1e-3);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(LanguageModelLoss.of(model.logits(b.ids(), b.mask()), b.ids(), b.mask()).mean());
            }
            for (LoraAdapter a : model.adapters().values()) {
                if (a.site().kind().isShortcut()) {
                    assertThat(a.a().getArray().getGradient().abs().sum().getFloat()).as("grad A %s", a.site())
                            .isGreaterThan(0f);
                    assertThat(a.b().getArray().getGradient().abs().sum().getFloat()).as("grad B %s", a.site())
                            .isGreaterThan(0f);
                }
            }
            model.setAdaptersEnabled(false);
            assertThat(model.logits(b.ids(), b.mask()).toFloatArray()).containsExactly(base);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void mergedCopiesMatchUnmergedAndLeaveTheBaseExact(String name) {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu());
             NDManager scope = model.manager().newSubManager()) {
            TokenBatch b = sample(scope);
            float[] base = model.logits(b.ids(), b.mask()).toFloatArray();
            model.applyPlan(mixedPlan(model.config()), 11, 0f);
            Fixtures.randomiseB(model, 5);
            float[] adapted = model.logits(b.ids(), b.mask()).toFloatArray();
            try (CausalLM.Merged merged = model.mergeAdapters()) {
                assertThat(merged.isEmpty()).isFalse();
                assertThat(Fixtures.relativeError(model.logits(b.ids(), b.mask()).toFloatArray(), adapted))
                        .isLessThan(1e-5);
                assertThatThrownBy(() -> model.setAdaptersEnabled(false)).isInstanceOf(HeteroloraException.class);
                assertThatThrownBy(model::removeAdapters).isInstanceOf(HeteroloraException.class);
            }
            assertThat(model.isMerged()).isFalse();
            assertThat(model.logits(b.ids(), b.mask()).toFloatArray()).containsExactly(adapted);
            model.setAdaptersEnabled(false);
            assertThat(model.logits(b.ids(), b.mask()).toFloatArray()).containsExactly(base);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void peftExportImportRoundTripIsBitIdentical(String name, @TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("adapter");
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu());
             NDManager scope = model.manager().newSubManager()) {
            AdapterPlan plan = mixedPlan(model.config());
            model.applyPlan(plan, 13, 0f);
            Fixtures.randomiseB(model, 17);
            TokenBatch b = sample(scope);
            float[] before = model.logits(b.ids(), b.mask()).toFloatArray();
            Map<AdapterSite, float[][]> tensors = new TreeMap<>();
            model.adapters().forEach((s, a) -> tensors.put(s, new float[][] {
                a.a().getArray().toFloatArray(), a.b().getArray().toFloatArray()}));
            PeftAdapters.export(model, out, Fixtures.hf(name).toString());

            JsonNode cfg = JSON.readTree(out.resolve("adapter_config.json").toFile());
            assertThat(cfg.get("peft_type").asText()).isEqualTo("LORA");
            assertThat(cfg.get("rank_pattern").isObject()).isTrue();
            try (SafeTensorFile f = SafeTensorFile.open(out.resolve("adapter_model.safetensors"))) {
                assertThat(f.entries()).extracting(TensorEntry::name)
                        .allMatch(n -> n.startsWith("base_model.model.") && n.matches(".*\\.lora_[AB]\\.weight"));
            }

            model.removeAdapters();
            AdapterPlan back = PeftAdapters.importInto(model, out);
            assertThat(back).isEqualTo(plan);
            model.adapters().forEach((s, a) -> {
                assertThat(a.a().getArray().toFloatArray()).containsExactly(tensors.get(s)[0]);
                assertThat(a.b().getArray().toFloatArray()).containsExactly(tensors.get(s)[1]);
            });
            assertThat(model.logits(b.ids(), b.mask()).toFloatArray()).containsExactly(before);
        }
    }

    @Test
    void peftConfigForFixtureAdapterReproducesItsPatterns(@TempDir Path tmp) throws IOException {
        Path dir = Fixtures.hf("llama-tiny");
        try (CausalLM model = HfCheckpoint.load(dir, ComputeSettings.cpu())) {
            PeftAdapters.importInto(model, dir.resolve("adapter"));
            PeftAdapters.export(model, tmp, dir.toString());
        }
        JsonNode ours = JSON.readTree(tmp.resolve("adapter_config.json").toFile());
        JsonNode peft = JSON.readTree(dir.resolve("adapter/adapter_config.json").toFile());
        for (String field : List.of("r", "lora_alpha", "rank_pattern", "alpha_pattern", "peft_type", "fan_in_fan_out")) {
            assertThat(ours.get(field).asText()).as(field).isEqualTo(peft.get(field).asText());
        }
        assertThat(ours.get("rank_pattern")).isEqualTo(peft.get("rank_pattern"));
        List<String> theirs = new ArrayList<>();
        peft.get("target_modules").forEach(n -> theirs.add(n.asText()));
        List<String> mine = new ArrayList<>();
        ours.get("target_modules").forEach(n -> mine.add(n.asText()));
        assertThat(mine).containsExactlyInAnyOrderElementsOf(theirs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void kvCacheDecodingMatchesFullRecomputation(String name) {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu())) {
            model.applyPlan(mixedPlan(model.config()), 19, 0f);
            Fixtures.randomiseB(model, 23);
            // two prompts of different lengths, left-padded as the generator does
            long[][] rows = {{0, 0, 0, 4, 9, 16}, {3, 5, 7, 11, 13, 17}};
            long[][] mask = {{0, 0, 0, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};
            List<long[]> seqIds = new ArrayList<>(List.of(rows[0], rows[1]));
            List<long[]> seqMask = new ArrayList<>(List.of(mask[0], mask[1]));
            try (KvCache cache = new KvCache(model.manager(), model.config().layers())) {
                long[] stepIds = concatRows(rows);
                long[] stepMask = concatRows(mask);
                int width = rows[0].length;
                for (int step = 0; step < 6; step++) {
                    try (NDManager scope = model.manager().newSubManager()) {
                        NDArray cached = model.logits(model.hidden(scope.create(stepIds, new Shape(2, width)),
                                scope.create(stepMask, new Shape(2, width)), cache, false))
                                .get(new NDIndex(":, -1, :"));
                        int len = seqIds.get(0).length;
                        NDArray full = model.logits(scope.create(concatRows(seqIds.toArray(long[][]::new)),
                                        new Shape(2, len)), scope.create(concatRows(seqMask.toArray(long[][]::new)),
                                        new Shape(2, len))).get(new NDIndex(":, -1, :"));
                        assertThat(Fixtures.relativeError(cached.toFloatArray(), full.toFloatArray()))
                                .as("step %d", step).isLessThan(1e-5);
                        long[] next = cached.argMax(1).toLongArray();
                        for (int r = 0; r < 2; r++) {
                            seqIds.set(r, append(seqIds.get(r), next[r]));
                            seqMask.set(r, append(seqMask.get(r), 1));
                        }
                        stepIds = next;
                        stepMask = new long[] {1, 1};
                        width = 1;
                    }
                }
            }
        }
    }

    @Test
    void generatorIsSeededAndGreedyIsDeterministic() {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf("llama-tiny"), ComputeSettings.cpu())) {
            List<int[]> prompts = List.of(new int[] {4, 9, 16}, new int[] {3, 5, 7, 11, 13});
            Generator.Settings sampled = new Generator.Settings(8, 1.0, 50, 0.9, 42, -1);
            List<int[]> a = Generator.generate(model, prompts, sampled);
            List<int[]> b = Generator.generate(model, prompts, sampled);
            assertThat(a).hasSize(2);
            assertThat(a.get(0)).containsExactly(b.get(0));
            assertThat(a.get(1)).containsExactly(b.get(1));
            assertThat(a.get(0)).hasSize(8);
            assertThat(java.util.Arrays.stream(a.get(0)).allMatch(t -> t >= 0 && t < model.config().vocabSize())).isTrue();
            List<int[]> other = Generator.generate(model, prompts, new Generator.Settings(8, 1.0, 50, 0.9, 43, -1));
            assertThat(other.get(0)).isNotEqualTo(a.get(0));
            // greedy: the first token is the argmax of the prompt's last logits
            List<int[]> g = Generator.generate(model, prompts, Generator.Settings.greedy(3, -1));
            try (NDManager scope = model.manager().newSubManager()) {
                TokenBatch one = TokenBatch.rightPadded(scope, List.of(prompts.get(1)), 0);
                long first = model.logits(one.ids(), one.mask()).get(new NDIndex("0, -1, :")).argMax().getLong();
                assertThat(g.get(1)[0]).isEqualTo((int) first);
            }
            // top-k 1 is greedy whatever the temperature
            List<int[]> k1 = Generator.generate(model, prompts, new Generator.Settings(3, 1.5, 1, 1.0, 9, -1));
            assertThat(k1.get(0)).containsExactly(g.get(0));
        }
    }

    @Test
    void forwardPassesInSubManagersLeaveNothingBehind() {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf("llama-tiny"), ComputeSettings.cpu())) {
            model.applyPlan(mixedPlan(model.config()), 1, 0f);
            int before = model.manager().getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager scope = model.manager().newSubManager()) {
                    TokenBatch b = sample(scope);
                    LanguageModelLoss.of(model.logits(b.ids(), b.mask()), b.ids(), b.mask()).mean().getFloat();
                }
            }
            Generator.generate(model, List.of(new int[] {1, 2, 3}), Generator.Settings.greedy(4, -1));
            assertThat(model.manager().getManagedArrays().size()).isEqualTo(before);
        }
    }

    @Test
    void savedCheckpointReloadsToTheSameFunction(@TempDir Path tmp) {
        for (String name : List.of("gpt2-tiny", "llama-tiny")) {
            Path out = tmp.resolve(name);
            try (CausalLM model = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu());
                 NDManager scope = model.manager().newSubManager()) {
                TokenBatch b = sample(scope);
                float[] before = model.logits(b.ids(), b.mask()).toFloatArray();
                HfCheckpoint.save(model, out);
                try (CausalLM again = HfCheckpoint.load(out, ComputeSettings.cpu())) {
                    assertThat(again.config()).isEqualTo(model.config());
                    assertThat(again.logits(b.ids(), b.mask()).toFloatArray()).containsExactly(before);
                }
            }
        }
    }

    @Test
    void planJsonRoundTripAndValidation() {
        ModelConfig c = ModelConfig.read(Fixtures.hf("llama-tiny"));
        AdapterPlan plan = mixedPlan(c);
        assertThat(AdapterPlan.fromJson(plan.toJsonString())).isEqualTo(plan);
        assertThat(AdapterPlan.fromJson("{\"sites\":{\"0.q\":4,\"1.down\":0}}").adapters())
                .containsOnlyKeys(new AdapterSite(0, SiteKind.Q));
        assertThatThrownBy(() -> AdapterPlan.fromJson("{\"sites\":{\"9.q\":4}}").validateFor(c))
                .hasMessageContaining("9.q");
        assertThatThrownBy(() -> AdapterPlan.fromJson("{\"sites\":{\"0.cross_layer\":4}}").validateFor(c))
                .hasMessageContaining("0.cross_layer");
        assertThatThrownBy(() -> AdapterPlan.fromJson("{\"sites\":{\"0.qkv\":4}}").validateFor(c))
                .hasMessageContaining("0.qkv");
        assertThatThrownBy(() -> AdapterPlan.fromJson("{nope")).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> AdapterPlan.fromJson("{\"sites\":{\"0.q\":-1}}")).hasMessageContaining("negative");
    }

    private static long[] concatRows(long[][] rows) {
        long[] out = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * rows[r].length, rows[r].length);
        }
        return out;
    }

    private static long[] append(long[] a, long v) {
        long[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = v;
        return out;
    }
}
