package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeftAdapters;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.SafeTensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What training leaves on disk, as transformers/TRL/PEFT users expect it: trainer_state.json and metrics.csv beside
 * every run (equal to the database's figures for a PPO run, also after a resume), final/ with only what PEFT loads
 * plus the value model, and {@code merge} giving the base + adapter function as a plain HF model.
 */
class TrainingArtefactsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path prompts(Path tmp) throws IOException {
        Path data = tmp.resolve("sft.jsonl");
        Files.writeString(data, """
                {"prompt": "the quick", "response": " brown fox"}
                {"prompt": "the lazy", "response": " dog sleeps"}
                {"prompt": "a fox", "response": " jumps over"}
                {"prompt": "over the", "response": " lazy dog"}
                """);
        return data;
    }

    /** Each log_history entry's figures keyed by transformers' 1-based step. */
    private static Map<Integer, Map<String, Double>> history(Path dir) throws IOException {
        JsonNode state = JSON.readTree(dir.resolve("trainer_state.json").toFile());
        Map<Integer, Map<String, Double>> out = new HashMap<>();
        for (JsonNode e : state.get("log_history")) {
            Map<String, Double> m = new HashMap<>();
            e.properties().forEach(p -> {
                if (!p.getKey().equals("step")) {
                    m.put(p.getKey(), p.getValue().isNull() ? Double.NaN : p.getValue().asDouble());
                }
            });
            out.put(e.get("step").asInt(), m);
        }
        return out;
    }

    /** metrics.csv read back the same way. */
    private static Map<Integer, Map<String, Double>> csv(Path dir) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        String[] header = lines.get(0).split(",", -1);
        assertThat(header[0]).isEqualTo("step");
        Map<Integer, Map<String, Double>> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertThat(cells).hasSameSizeAs(header);
            Map<String, Double> m = new HashMap<>();
            for (int i = 1; i < cells.length; i++) {
                if (!cells[i].isEmpty()) {
                    m.put(header[i], Double.parseDouble(cells[i]));
                }
            }
            out.put(Integer.parseInt(cells[0]), m);
        }
        return out;
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void sftAndRewardRunsCarryTrainerStateAndMetrics(@TempDir Path tmp) throws IOException {
        Path model = ModelInputsTest.gpt2WithEosInVocabulary(tmp);
        CliRunner sft = CliRunner.run("sft", "--model", model.toString(), "--data", prompts(tmp).toString(),
                "--uniform-rank", "2", "--steps", "3", "--batch-size", "2", "--out", tmp.resolve("sft").toString(),
                "--no-progress");
        assertThat(sft.exitCode()).as(sft.err()).isZero();
        JsonNode state = JSON.readTree(tmp.resolve("sft/trainer_state.json").toFile());
        assertThat(state.get("global_step").asInt()).isEqualTo(3);
        assertThat(state.get("max_steps").asInt()).isEqualTo(3);
        assertThat(state.get("train_batch_size").asInt()).isEqualTo(2);
        assertThat(state.has("best_metric")).isTrue();
        Map<Integer, Map<String, Double>> h = history(tmp.resolve("sft"));
        assertThat(h).containsOnlyKeys(1, 2, 3);
        assertThat(h.get(1)).containsOnlyKeys("loss", "grad_norm", "targets");
        // the first step's loss is the one the command prints
        assertThat(sft.out()).contains(String.format(Locale.ROOT, "loss %.4f", h.get(1).get("loss")));
        assertThat(csv(tmp.resolve("sft"))).isEqualTo(h);
        assertThat(names(tmp.resolve("sft"))).contains("adapter_config.json", "adapter_model.safetensors",
                "trainer_state.json", "metrics.csv");

        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, """
                {"prompt": "the quick", "chosen": " brown fox", "rejected": " dog"}
                {"prompt": "the lazy", "chosen": " dog", "rejected": " fox fox"}
                """);
        CliRunner rm = CliRunner.run("reward", "--model", model.toString(), "--pairs", pairs.toString(), "--full",
                "--steps", "2", "--out", tmp.resolve("rm").toString(), "--no-progress");
        assertThat(rm.exitCode()).as(rm.err()).isZero();
        assertThat(history(tmp.resolve("rm"))).containsOnlyKeys(1, 2).allSatisfy((step, m) ->
                assertThat(m).containsOnlyKeys("loss", "grad_norm", "accuracy"));
        assertThat(csv(tmp.resolve("rm"))).isEqualTo(history(tmp.resolve("rm")));
    }

    /** The metrics the database holds for a run, keyed as in trainer_state.json (step + 1). */
    private static Map<Integer, Map<String, Double>> databaseMetrics(Path home, long run) throws IOException {
        CliRunner sql = CliRunner.run("sql", "--home", home.toString(), "--json",
                "SELECT STEP, NAME, VAL FROM METRIC WHERE RUN_ID = " + run);
        assertThat(sql.exitCode()).as(sql.err()).isZero();
        Map<Integer, Map<String, Double>> out = new HashMap<>();
        for (JsonNode row : JSON.readTree(sql.out())) {
            Map<String, JsonNode> r = new HashMap<>();
            row.properties().forEach(p -> r.put(p.getKey().toLowerCase(Locale.ROOT), p.getValue()));
            out.computeIfAbsent(r.get("step").asInt() + 1, k -> new HashMap<>()).put(r.get("name").asText(),
                    r.get("val").isNull() ? Double.NaN : r.get("val").asDouble());
        }
        return out;
    }

    @Test
    void ppoRunFilesMatchTheDatabaseAndFinalHoldsOnlyWhatPeftLoads(@TempDir Path tmp) throws IOException {
        Path model = ModelInputsTest.gpt2WithEosInVocabulary(tmp);
        Path data = prompts(tmp);
        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"the quick\", \"chosen\": \" brown fox\", \"rejected\": \" dog\"}\n");
        CliRunner rm = CliRunner.run("reward", "--model", model.toString(), "--pairs", pairs.toString(), "--full",
                "--steps", "1", "--out", tmp.resolve("rm").toString(), "--no-progress");
        assertThat(rm.exitCode()).as(rm.err()).isZero();
        Path home = tmp.resolve("home");
        List<String> common = List.of("train", "--model", model.toString(), "--reward", tmp.resolve("rm").toString(),
                "--prompts", data.toString(), "--uniform-rank", "2", "--rollout-batch", "4", "--mini-batch", "4",
                "--max-new-tokens", "4", "--checkpoint-every", "1", "--home", home.toString(), "--device", "cpu",
                "--json");
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of("--steps", "2", "--out", tmp.resolve("run").toString()));
        CliRunner part = CliRunner.run(args.toArray(String[]::new));
        assertThat(part.exitCode()).as(part.err()).isZero();
        long run = JSON.readTree(part.out()).get("run").asLong();
        Path dir = tmp.resolve("run");
        assertThat(history(dir)).isEqualTo(databaseMetrics(home, run)).containsOnlyKeys(1, 2);
        assertThat(csv(dir)).isEqualTo(history(dir));
        assertThat(history(dir).get(1)).containsKeys("reward_mean", "kl", "policy_loss", "value_loss");

        assertThat(names(dir.resolve("final"))).containsExactly("adapter_config.json", "adapter_model.safetensors",
                "value", "value_head.safetensors");
        assertThat(names(dir.resolve("checkpoint"))).contains("adapter_config.json", "adapter_model.safetensors",
                "optimizer.safetensors", "step.txt");

        // as if `--steps 4` had been interrupted after step 2: the resumed run's files cover all four steps
        CliRunner edit = CliRunner.run("sql", "--home", home.toString(), "--write", "UPDATE RUN SET CONFIG_JSON = "
                + "REPLACE(CONFIG_JSON, '\"steps\":2', '\"steps\":4'), STATUS = 'failed' WHERE ID = " + run);
        assertThat(edit.exitCode()).as(edit.err()).isZero();
        CliRunner resumed = CliRunner.run("train", "--resume", String.valueOf(run), "--home", home.toString(),
                "--device", "cpu", "--json");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(history(dir)).isEqualTo(databaseMetrics(home, run)).containsOnlyKeys(1, 2, 3, 4);
        assertThat(csv(dir)).isEqualTo(history(dir));
        assertThat(JSON.readTree(dir.resolve("trainer_state.json").toFile()).get("max_steps").asInt()).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void mergeGivesTheLogitsOfBasePlusAdapter(String fixture, @TempDir Path tmp) throws IOException {
        Path base = CliRunner.fixture(fixture);
        Path out = tmp.resolve("merged");
        CliRunner merge = CliRunner.run("merge", "--model", base.toString(), "--adapter",
                base.resolve("adapter").toString(), "--out", out.toString());
        assertThat(merge.exitCode()).as(merge.err()).isZero();
        assertThat(names(out)).doesNotContain("adapter_config.json", "adapter_model.safetensors")
                .contains("config.json", "model.safetensors", "generation_config.json");
        if (Files.exists(base.resolve("tokenizer.json"))) {
            assertThat(out.resolve("tokenizer.json")).hasSameBinaryContentAs(base.resolve("tokenizer.json"));
        }
        assertThat(out.resolve("config.json")).hasSameBinaryContentAs(base.resolve("config.json"));
        try (SafeTensorFile f = SafeTensorFile.open(out.resolve("model.safetensors"))) {
            assertThat(f.entries()).allSatisfy(e -> assertThat(e.dtype()).isEqualTo(SafeTensorDType.F32));
        }
        try (CausalLM withAdapter = HfCheckpoint.load(base, ComputeSettings.cpu());
             CausalLM merged = HfCheckpoint.load(out, ComputeSettings.cpu());
             NDManager scope = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            PeftAdapters.importInto(withAdapter, base.resolve("adapter"));
            long[] ids = new long[2 * 12];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (i * 37 + 5) % withAdapter.config().vocabSize();
            }
            NDArray tokens = scope.create(ids, new Shape(2, 12));
            NDArray mask = scope.ones(new Shape(2, 12), ai.djl.ndarray.types.DataType.INT64);
            float[] expected = withAdapter.logits(tokens, mask).toFloatArray();
            float[] baseOnly = withAdapter.withAdaptersOff(() -> withAdapter.logits(tokens, mask).toFloatArray());
            float[] actual = merged.logits(tokens, mask).toFloatArray();
            assertThat(actual).containsExactly(expected, within(1e-5f));
            assertThat(actual).as("the adapter changes the function").isNotEqualTo(baseOnly);
        }
    }

    @Test
    void mergeRefusesShortcutAdaptersAndWritesNothing(@TempDir Path tmp) throws IOException {
        Path base = CliRunner.fixture("llama-tiny");
        Path adapter = tmp.resolve("adapter");
        try (CausalLM model = HfCheckpoint.load(base, ComputeSettings.cpu())) {
            model.applyPlan(AdapterPlan.fromJson("{\"sites\": {\"0.q\": 2, \"1.residual_attn\": 2}}"), 0, 0f);
            PeftAdapters.export(model, adapter, base.toString());
        }
        CliRunner merge = CliRunner.run("merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out",
                tmp.resolve("merged").toString());
        assertThat(merge.exitCode()).isEqualTo(2);
        assertThat(merge.err().strip()).startsWith("heterolora: ").contains("1.residual_attn").doesNotContain("\n");
        assertThat(tmp.resolve("merged")).doesNotExist();
    }
}
