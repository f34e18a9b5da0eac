package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.TensorData;
import dev.heterolora.model.io.TensorEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken model folders and data files, each given to the CLI end to end: one line on stderr, exit 2, and no output
 * folder left behind.
 */
class ModelInputsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A copy of a fixture whose tensors (name → data) and config.json {@code edit} may change. */
    static Path brokenCopy(Path tmp, String fixture, Consumer<TreeMap<String, TensorData>> edit,
                           Consumer<ObjectNode> config) throws IOException {
        Path src = CliRunner.fixture(fixture);
        Path dst = tmp.resolve(fixture + "-" + System.nanoTime());
        Files.createDirectories(dst);
        for (String f : new String[] {"tokenizer.json", "generation_config.json"}) {
            if (Files.exists(src.resolve(f))) {
                Files.copy(src.resolve(f), dst.resolve(f));
            }
        }
        ObjectNode c = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        config.accept(c);
        JSON.writeValue(dst.resolve("config.json").toFile(), c);
        TreeMap<String, TensorData> tensors = new TreeMap<>();
        try (SafeTensorFile in = SafeTensorFile.open(src.resolve("model.safetensors"))) {
            for (TensorEntry e : in.entries()) {
                ByteBuffer copy = ByteBuffer.allocate(in.raw(e.name()).remaining()).order(ByteOrder.LITTLE_ENDIAN);
                copy.put(in.raw(e.name())).flip();
                tensors.put(e.name(), new TensorData(e.dtype(), e.shape(), copy));
            }
        }
        edit.accept(tensors);
        SafeTensorFile.write(dst.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return dst;
    }

    /** gpt2-tiny with its special tokens inside its 300-token vocabulary (the fixture keeps GPT-2's 50256). */
    static Path gpt2WithEosInVocabulary(Path tmp) throws IOException {
        return brokenCopy(tmp, "gpt2-tiny", t -> { }, c -> c.put("eos_token_id", 0).put("bos_token_id", 0));
    }

    private static void assertOneLineError(CliRunner r, String... mentions) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("heterolora: ").contains(mentions).doesNotContain("internal error");
    }

    @Test
    void aDataFileThatIsNotUtf8NamesTheFileAndLine(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("rows.jsonl");
        byte[] latin1 = "{\"text\": \"caf\u00e9\"}\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] good = "{\"input_ids\": [1, 2, 3]}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] both = new byte[good.length + latin1.length];
        System.arraycopy(good, 0, both, 0, good.length);
        System.arraycopy(latin1, 0, both, good.length, latin1.length);
        Files.write(data, both);
        assertOneLineError(CliRunner.run("score", "--model", CliRunner.fixture("gpt2-tiny").toString(), "--data",
                data.toString()), data + " line 2 is not UTF-8 text");

        Path model = gpt2WithEosInVocabulary(tmp);
        Path sft = tmp.resolve("sft.jsonl");
        Files.write(sft, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"\u00e9\", \"response\": \"b\"}\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertOneLineError(CliRunner.run("sft", "--model", model.toString(), "--data", sft.toString(),
                "--uniform-rank", "2", "--out", tmp.resolve("out").toString(), "--no-progress"),
                sft + " line 2 is not UTF-8 text");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void inspectRejectsAMissingOrMisshapenTensorAsLoadingDoes(@TempDir Path tmp) throws IOException {
        Path missing = brokenCopy(tmp, "llama-tiny", t -> t.remove("model.layers.1.mlp.down_proj.weight"), c -> { });
        Path misshapen = brokenCopy(tmp, "llama-tiny", t -> t.put("model.layers.0.self_attn.k_proj.weight",
                TensorData.ofFloats(new long[] {16, 64}, new float[16 * 64])), c -> { });
        for (String command : new String[] {"inspect", "score"}) {
            Path rows = CliRunner.fixture("llama-tiny").resolve("rows.jsonl");
            CliRunner a = CliRunner.run(command, "--model", missing.toString(), "--data", rows.toString());
            CliRunner b = CliRunner.run(command, "--model", misshapen.toString(), "--data", rows.toString());
            if (command.equals("inspect")) {
                a = CliRunner.run(command, "--model", missing.toString());
                b = CliRunner.run(command, "--model", misshapen.toString());
            }
            assertOneLineError(a, "lacks tensor 'model.layers.1.mlp.down_proj.weight'");
            assertOneLineError(b, "tensor 'model.layers.0.self_attn.k_proj.weight' has shape [16, 64] but config.json"
                    + " implies [32, 64]");
            assertThat(a.out()).isEmpty();
        }
    }

    @Test
    void nonFiniteWeightsAreAnErrorNamingTheTensor(@TempDir Path tmp) throws IOException {
        Path nan = brokenCopy(tmp, "llama-tiny", t -> {
            float[] w = new float[128 * 64];
            w[77] = Float.NaN;
            t.put("model.layers.0.mlp.up_proj.weight", TensorData.ofFloats(new long[] {128, 64}, w));
        }, c -> { });
        Path rows = CliRunner.fixture("llama-tiny").resolve("rows.jsonl");
        assertOneLineError(CliRunner.run("score", "--model", nan.toString(), "--data", rows.toString()),
                "tensor 'model.layers.0.mlp.up_proj.weight'", "NaN", "element 77");
        Path inf = brokenCopy(tmp, "llama-tiny", t -> {
            float[] w = new float[257 * 64];
            w[3] = Float.NEGATIVE_INFINITY;
            t.put("lm_head.weight", TensorData.ofFloats(new long[] {257, 64}, w));
        }, c -> { });
        assertOneLineError(CliRunner.run("score", "--model", inf.toString(), "--data", rows.toString()),
                "tensor 'lm_head.weight'", "infinite");
        // a search on such a model stops without a finished study
        CliRunner search = CliRunner.run("search", "--model", nan.toString(), "--data", rows.toString(), "--budget",
                "1%", "--home", tmp.resolve("home").toString(), "--json", "--device", "cpu");
        assertOneLineError(search, "tensor 'model.layers.0.mlp.up_proj.weight'", "NaN");
        CliRunner studies = CliRunner.run("sql", "--home", tmp.resolve("home").toString(), "--json",
                "SELECT COUNT(*) AS N FROM STUDY WHERE STATUS = 'finished'");
        assertThat(studies.exitCode()).as(studies.err()).isZero();
        assertThat(JSON.readTree(studies.out()).get(0).get(studies.out().contains("\"n\"") ? "n" : "N").asInt())
                .isZero();
    }

    @Test
    void generateWithoutATokenizerSaysWhatIsMissing() {
        CliRunner r = CliRunner.run("generate", "--model", CliRunner.fixture("llama-tiny").toString(), "--prompt",
                "hello");
        assertOneLineError(r, "no tokenizer.json in", "text needs the model's tokenizer");
        assertThat(r.err()).doesNotContain("input_ids");
    }

    @Test
    void aRankAboveWhatTheSiteAllowsIsRejectedWhenThePlanIsRead(@TempDir Path tmp) throws IOException {
        Path model = gpt2WithEosInVocabulary(tmp);
        Path data = tmp.resolve("sft.jsonl");
        Files.writeString(data, "{\"prompt\": \"the\", \"response\": \" fox\"}\n");
        Path plan = tmp.resolve("plan.json");
        Files.writeString(plan, "{\"sites\": {\"0.qkv\": 100000}}");
        assertOneLineError(CliRunner.run("sft", "--model", model.toString(), "--data", data.toString(), "--plan",
                plan.toString(), "--out", tmp.resolve("out").toString(), "--no-progress"),
                "plan site 0.qkv has rank 100000", "at most min(in, out) = 64");
        assertOneLineError(CliRunner.run("sft", "--model", model.toString(), "--data", data.toString(),
                "--uniform-rank", "65", "--out", tmp.resolve("out").toString(), "--no-progress"), "rank 65");
        // before the embedded world the reward model and prompts would come from is built (minutes)
        assertOneLineError(CliRunner.run("train", "--model", model.toString(), "--uniform-rank", "100000", "--home",
                tmp.resolve("home").toString(), "--out", tmp.resolve("run").toString()), "rank 100000");
        assertThat(tmp.resolve("out")).doesNotExist();
        assertThat(tmp.resolve("run")).doesNotExist();
        assertThat(tmp.resolve("home/world")).doesNotExist();
    }

    @Test
    void anEosIdOutsideTheVocabularyIsOneLine(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("sft.jsonl");
        Files.writeString(data, "{\"prompt\": \"the\", \"response\": \" fox\"}\n");
        Path fixture = CliRunner.fixture("gpt2-tiny");
        assertOneLineError(CliRunner.run("sft", "--model", fixture.toString(), "--data", data.toString(),
                "--uniform-rank", "2", "--out", tmp.resolve("out").toString(), "--no-progress"),
                fixture.resolve("config.json") + ": eos_token_id 50256 is outside the vocabulary (300 tokens)");
        assertThat(tmp.resolve("out")).doesNotExist();
        // generation tolerates it as transformers does: it simply never meets that token
        CliRunner gen = CliRunner.run("generate", "--model", fixture.toString(), "--prompt", "the",
                "--max-new-tokens", "3");
        assertThat(gen.exitCode()).as(gen.err()).isZero();
    }
}
