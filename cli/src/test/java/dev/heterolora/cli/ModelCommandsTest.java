package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** inspect, score and generate end to end, and their one-line errors. */
class ModelCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void helpAndVersion() {
        CliRunner help = CliRunner.run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("inspect", "score", "generate", "bench");
        CliRunner version = CliRunner.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("heterolora ");
    }

    @Test
    void everySubcommandTakesHelp() {
        for (String[] c : new String[][] {{"train"}, {"world", "build"}, {"experiment", "rlhf"}, {"bench", "model"},
            {"sql"}, {"search"}}) {
            String[] args = java.util.Arrays.copyOf(c, c.length + 1);
            args[c.length] = "--help";
            CliRunner r = CliRunner.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).startsWith("Usage: heterolora " + String.join(" ", c));
        }
    }

    @Test
    void outOfRangePpoSettingsAreOneLineErrorsBeforeAnythingIsBuilt(@TempDir Path home) {
        for (String[] bad : new String[][] {{"--top-p", "1.5"}, {"--lambda", "2"}, {"--lr", "-1"}, {"--steps", "0"},
            {"--value", "elsewhere"}, {"--value-rank", "0"}}) {
            CliRunner r = CliRunner.run("train", "--uniform-rank", "4", bad[0], bad[1], "--home", home.toString());
            assertThat(r.exitCode()).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(r.err().strip()).startsWith("heterolora: ").doesNotContain("\n");
        }
        assertThat(home.resolve("world")).doesNotExist();
    }

    @Test
    void inspectReportsSizesAndSites() throws IOException {
        CliRunner r = CliRunner.run("inspect", "--model", CliRunner.fixture("llama-tiny").toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("family").asText()).isEqualTo("llama");
        assertThat(o.get("parameters").asLong()).isEqualTo(106944);
        assertThat(o.get("stored_parameters").asLong()).isEqualTo(106944);
        // 2 layers × 7 projections + 2 × 3 shortcuts + 1 cross_layer (not in layer 0)
        assertThat(o.get("sites").size()).isEqualTo(14 + 6 + 1);
        CliRunner text = CliRunner.run("inspect", "--model", CliRunner.fixture("gpt2-tiny").toString());
        assertThat(text.out()).contains("gpt2", "123,392", "qkv");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void scoreMatchesTransformersPerRowLosses(String name) throws IOException {
        Path dir = CliRunner.fixture(name);
        JsonNode expected = JSON.readTree(dir.resolve("expected_losses.json").toFile());
        for (String mode : new String[] {"base", "lora"}) {
            CliRunner r = mode.equals("base")
                    ? CliRunner.run("score", "--model", dir.toString(), "--data", dir.resolve("rows.jsonl").toString(),
                            "--json", "--device", "cpu")
                    : CliRunner.run("score", "--model", dir.toString(), "--data", dir.resolve("rows.jsonl").toString(),
                            "--adapter", dir.resolve("adapter").toString(), "--json", "--device", "cpu");
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode o = JSON.readTree(r.out());
            assertThat(o.get("tokens").asInt()).isEqualTo(expected.get("tokens").asInt());
            JsonNode ref = expected.get(mode + "_per_row");
            for (int i = 0; i < ref.size(); i++) {
                double ours = o.get("per_row").get(i).get("mean_loss").asDouble();
                assertThat(Math.abs(ours - ref.get(i).asDouble()) / ref.get(i).asDouble()).isLessThan(1e-5);
            }
            assertThat(o.get("perplexity").asDouble()).isEqualTo(Math.exp(o.get("mean_loss").asDouble()));
        }
    }

    @Test
    void scoreTokenisesTextRows(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("rows.jsonl");
        Files.writeString(data, "{\"text\": \"the lazy fox jumps 42 times!\"}\n\n{\"text\": \"hello world\"}\n");
        CliRunner r = CliRunner.run("score", "--model", CliRunner.fixture("gpt2-tiny").toString(), "--data",
                data.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("rows").asInt()).isEqualTo(2);
    }

    @Test
    void generateContinuesAPrompt() {
        CliRunner r = CliRunner.run("generate", "--model", CliRunner.fixture("gpt2-tiny").toString(), "--prompt",
                "the lazy", "--prompt", "fox", "--max-new-tokens", "5", "--temperature", "0.8", "--seed", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out().lines().toList().get(0)).startsWith("the lazy");
        CliRunner again = CliRunner.run("generate", "--model", CliRunner.fixture("gpt2-tiny").toString(), "--prompt",
                "the lazy", "--prompt", "fox", "--max-new-tokens", "5", "--temperature", "0.8", "--seed", "3");
        assertThat(again.out()).isEqualTo(r.out());
    }

    @Test
    void badInputGivesOneLineAndStatusTwo(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        Files.copy(CliRunner.fixture("llama-tiny").resolve("config.json"), model.resolve("config.json"));
        Files.write(model.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Path data = tmp.resolve("rows.jsonl");
        Files.writeString(data, "{\"input_ids\": [1, 2, 3]}\n{\"input_ids\": [1, oops]}\n");

        assertOneLineError(CliRunner.run("score", "--model", model.toString(), "--data", data.toString()),
                "model.safetensors");
        assertOneLineError(CliRunner.run("score", "--model", CliRunner.fixture("llama-tiny").toString(), "--data",
                data.toString()), "line 2");
        assertOneLineError(CliRunner.run("score", "--model", tmp.resolve("nowhere").toString(), "--data",
                data.toString()), "does not exist");
        assertOneLineError(CliRunner.run("score", "--model", CliRunner.fixture("llama-tiny").toString(), "--data",
                data.toString(), "--dtype", "bf16"), "bf16");
        assertOneLineError(CliRunner.run("score", "--data", data.toString()), "--model");
        Files.writeString(data, "{\"input_ids\": [1, 2, 99999]}\n");
        assertOneLineError(CliRunner.run("score", "--model", CliRunner.fixture("llama-tiny").toString(), "--data",
                data.toString()), "vocabulary");
    }

    private static void assertOneLineError(CliRunner r, String mentions) {
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("heterolora: ").contains(mentions);
    }
}
