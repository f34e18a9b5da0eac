package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench proxies} and {@code bench ppo} end to end on the tiny fixture, as the GPU runs call them. */
class BenchCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode firstLine(CliRunner r) throws IOException {
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JSON.readTree(r.out().lines().findFirst().orElseThrow());
    }

    @Test
    void proxiesReportTheColdPassApartFromTheMedianOfTheWarmOnes() throws IOException {
        JsonNode row = firstLine(CliRunner.run("bench", "proxies", "--model", CliRunner.fixture("llama-tiny").toString(),
                "--device", "cpu", "--batches", "2", "--batch-size", "2", "--seq", "8", "--candidates", "10",
                "--naive", "1", "--passes", "3", "--json"));
        assertThat(row.get("model").asText()).isEqualTo("llama-tiny");
        assertThat(row.get("passes").asInt()).isEqualTo(3);
        assertThat(row.get("sites").asInt()).isGreaterThan(14);
        assertThat(row.get("shared_pass_s_cold").asDouble()).isPositive();
        assertThat(row.get("shared_pass_s_warm").asDouble()).isPositive();
        assertThat(row.has("shared_pass_s")).isFalse();
    }

    /**
     * Full fine-tuning trains the policy and a value copy of the reward model (every weight of both), LoRA-PPO
     * rank-8 adapters on both backbones; both run their steps and report a peak.
     */
    @Test
    void ppoRunsLoraAndFullFineTuningAndCountsWhatEachTrains(@TempDir Path tmp) throws IOException {
        // the fixture folder also holds a PEFT adapter, which a fully trained value copy refuses: the plain weights
        Path model = Files.createDirectory(tmp.resolve("llama-tiny"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(CliRunner.fixture("llama-tiny").resolve(f), model.resolve(f));
        }
        long base = JSON.readTree(CliRunner.fixture("llama-tiny").resolve("expected.json").toFile())
                .get("base_params").asLong();
        JsonNode lora = firstLine(CliRunner.run("bench", "ppo", "--model", model.toString(), "--device", "cpu",
                "--batch", "2", "--prompt-len", "4", "--new", "3", "--steps", "2", "--json"));
        JsonNode full = firstLine(CliRunner.run("bench", "ppo", "--model", model.toString(), "--device", "cpu",
                "--batch", "2", "--prompt-len", "4", "--new", "3", "--steps", "2", "--full-finetune", "--json"));
        assertThat(lora.get("mode").asText()).isEqualTo("lora");
        assertThat(full.get("mode").asText()).isEqualTo("full");
        assertThat(full.get("trainable_params").asLong()).isGreaterThan(2 * base);
        assertThat(lora.get("trainable_params").asLong()).isPositive().isLessThan(base / 2);
        for (JsonNode r : new JsonNode[] {lora, full}) {
            assertThat(r.get("step_s")).hasSize(2);
            assertThat(r.get("step_s_warm").asDouble()).isPositive();
            assertThat(r.get("peak_mib").asLong()).isPositive();
        }
        CliRunner both = CliRunner.run("bench", "ppo", "--model", model.toString(), "--full-finetune",
                "--uniform-rank", "4");
        assertThat(both.exitCode()).isEqualTo(2);
        CliRunner oneStep = CliRunner.run("bench", "ppo", "--model", model.toString(), "--steps", "1");
        assertThat(oneStep.exitCode()).isEqualTo(2);
        assertThat(oneStep.err().strip()).startsWith("heterolora: ").doesNotContain("\n");
    }

    /**
     * {@code bench search --end-to-end}: the search as the CLI runs it, twice in one JVM on a scratch study database;
     * each run's trials are all stored and its loop timed. Without the flag, the synthetic 351-site table.
     */
    @Test
    void searchEndToEndStoresEveryTrialOfEveryRunAndTimesItsLoop(@TempDir Path tmp) throws IOException {
        CliRunner r = CliRunner.run("bench", "search", "--end-to-end", "--runs", "2", "--home", tmp.toString(),
                "--model", CliRunner.fixture("llama-tiny").toString(), "--data",
                CliRunner.rows(tmp).toString(),
                "--device", "cpu", "--budgets", "0.04", "--generations", "30", "--steady", "30", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode runs = JSON.readTree(r.out());
        assertThat(runs).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode run = runs.get(i);
            assertThat(run.get("mode").asText()).isEqualTo("end-to-end");
            assertThat(run.get("strategy").asText()).isEqualTo("ga");
            assertThat(run.get("run").asInt()).isEqualTo(i + 1);
            assertThat(run.get("evaluations").asInt()).isPositive().isEqualTo(run.get("stored").asInt())
                    .isEqualTo(runs.get(0).get("evaluations").asInt());
            assertThat(run.get("search_seconds").asDouble()).isPositive().isLessThan(run.get("seconds").asDouble());
            assertThat(run.get("plans_per_second").asDouble()).isCloseTo(
                    run.get("evaluations").asInt() / run.get("search_seconds").asDouble(), Offset.offset(1e-6));
        }
        assertThat(tmp.resolve("studies.mv.db")).doesNotExist(); // a scratch database, not the home's
        CliRunner table = CliRunner.run("bench", "search", "--strategies", "auto", "--seeds", "0", "--budgets",
                "0.001");
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).contains("% of opt", "auto");
    }
}
