package dev.heterolora.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorCheckpointTest {

    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @BeforeEach
    void writeTwoShards() {
        Map<String, TensorData> first = new TreeMap<>();
        first.put("model.embed_tokens.weight", TensorData.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
        first.put("model.layers.0.mlp.up_proj.weight", TensorData.ofFloats(new long[] {1, 2}, new float[] {5, 6}));
        SafeTensorFile.write(dir.resolve(SHARD_1), first, Map.of("format", "pt"));
        SafeTensorFile.write(dir.resolve(SHARD_2),
                Map.of("model.norm.weight", TensorData.ofFloats(new long[] {2}, new float[] {7, 8})),
                Map.of("format", "pt"));
    }

    private void writeIndex(String weightMap) throws IOException {
        Files.writeString(dir.resolve(SafeTensorCheckpoint.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 32}, \"weight_map\": " + weightMap + "}");
    }

    private static String validWeightMap() {
        return "{\"model.embed_tokens.weight\": \"" + SHARD_1 + "\", "
                + "\"model.layers.0.mlp.up_proj.weight\": \"" + SHARD_1 + "\", "
                + "\"model.norm.weight\": \"" + SHARD_2 + "\"}";
    }

    @Test
    void readsAShardedCheckpoint() throws IOException {
        writeIndex(validWeightMap());

        try (SafeTensorCheckpoint checkpoint = SafeTensorCheckpoint.open(dir)) {
            assertThat(checkpoint.directory()).isEqualTo(dir);
            assertThat(checkpoint.names()).containsExactly(
                    "model.embed_tokens.weight", "model.layers.0.mlp.up_proj.weight", "model.norm.weight");
            assertThat(checkpoint.has("model.norm.weight")).isTrue();
            assertThat(checkpoint.has("lm_head.weight")).isFalse();
            assertThat(checkpoint.readFloats("model.embed_tokens.weight")).containsExactly(1, 2, 3, 4);
            assertThat(checkpoint.readFloats("model.norm.weight")).containsExactly(7, 8);
            assertThat(checkpoint.entry("model.norm.weight").shape()).containsExactly(2);
            assertThat(checkpoint.raw("model.layers.0.mlp.up_proj.weight").getFloat(4)).isEqualTo(6f);
            assertThatThrownBy(() -> checkpoint.readFloats("lm_head.weight"))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessage("model checkpoint in " + dir + " has no tensor 'lm_head.weight'");
        }
    }

    @Test
    void prefersASingleModelFile() throws IOException {
        writeIndex(validWeightMap());
        SafeTensorFile.write(dir.resolve(SafeTensorCheckpoint.SINGLE_FILE),
                Map.of("only", TensorData.ofFloats(new long[] {1}, new float[] {9})), Map.of());

        try (SafeTensorCheckpoint checkpoint = SafeTensorCheckpoint.open(dir)) {
            assertThat(checkpoint.names()).containsExactly("only");
            assertThat(checkpoint.readFloats("only")).containsExactly(9);
        }
    }

    @Test
    void readsTheLlamaTinyFixtureDirectory() throws Exception {
        try (SafeTensorCheckpoint checkpoint = SafeTensorCheckpoint.open(SafeTensorFileTest.fixture().getParent())) {
            assertThat(checkpoint.names()).hasSize(21).contains("model.norm.weight", "lm_head.weight");
            assertThat(checkpoint.entry("model.norm.weight").shape()).containsExactly(64);
        }
    }

    @Test
    void directoryWithoutCheckpoint() {
        Path empty = dir.resolve("empty");

        assertThatThrownBy(() -> SafeTensorCheckpoint.open(empty))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("model directory " + empty + " does not exist or is not a directory");
        assertThatThrownBy(() -> SafeTensorCheckpoint.open(Files.createDirectory(empty)))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("model directory " + empty + " has neither model.safetensors nor "
                        + "model.safetensors.index.json");
    }

    @Test
    void indexPointingToAMissingShard() throws IOException {
        writeIndex("{\"model.norm.weight\": \"model-00003-of-00003.safetensors\"}");

        assertBadIndex("tensor 'model.norm.weight' is mapped to shard 'model-00003-of-00003.safetensors', "
                + "which does not exist");
    }

    @Test
    void indexMappingATensorItsShardDoesNotHave() throws IOException {
        writeIndex("{\"model.norm.weight\": \"" + SHARD_1 + "\"}");

        assertBadIndex("tensor 'model.norm.weight' is mapped to shard '" + SHARD_1 + "', which has no such tensor");
    }

    @Test
    void indexEscapingTheDirectory() throws IOException {
        writeIndex("{\"model.norm.weight\": \"../" + SHARD_2 + "\"}");

        assertBadIndex("tensor 'model.norm.weight' is mapped to '../" + SHARD_2
                + "', which is not a file name in the same directory");
    }

    @Test
    void indexWithNonStringShard() throws IOException {
        writeIndex("{\"model.norm.weight\": 2}");

        assertBadIndex("tensor 'model.norm.weight' is mapped to a JSON number, not a shard file name");
    }

    @Test
    void indexWithoutWeightMap() throws IOException {
        Files.writeString(dir.resolve(SafeTensorCheckpoint.INDEX_FILE), "{\"metadata\": {}}");

        assertBadIndex("it has no weight_map");
    }

    @Test
    void indexWithEmptyWeightMap() throws IOException {
        writeIndex("{}");

        assertBadIndex("weight_map is empty");
    }

    @Test
    void indexNotJson() throws IOException {
        Files.writeString(dir.resolve(SafeTensorCheckpoint.INDEX_FILE), "{\"weight_map\": ");

        assertBadIndex("not valid JSON");
    }

    @Test
    void corruptShardIsReportedByItsOwnPath() throws IOException {
        writeIndex(validWeightMap());
        Path shard = Files.write(dir.resolve(SHARD_2), new byte[3]);

        assertThatThrownBy(() -> SafeTensorCheckpoint.open(dir))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("corrupt safetensors file " + shard + ": file is 3 bytes, too short for the 8-byte "
                        + "header length");
    }

    private void assertBadIndex(String problem) {
        assertThatThrownBy(() -> SafeTensorCheckpoint.open(dir))
                .isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("corrupt safetensors index " + dir.resolve(SafeTensorCheckpoint.INDEX_FILE)
                        + ": ")
                .hasMessageContaining(problem)
                .hasMessageNotContaining("\n");
    }
}
