package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.RandomModel;
import dev.heterolora.trainer.world.CharCodec;
import dev.heterolora.trainer.world.CharTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenCodecTest {

    @Test
    void theWorldTokenizerFileGivesTheSameIdsAsTheJavaCodec(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), CharTokenizer.toTokenizerJson());
        ModelConfig config = RandomModel.smallLlama(CharTokenizer.VOCAB_SIZE, 64);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config.toJson());
        try (HfTokenCodec hf = HfTokenCodec.load(dir, ModelConfig.read(dir))) {
            // no post-processor in the file: no BOS, as the world trains
            assertThat(hf.bosId()).isEqualTo(-1).isEqualTo(CharCodec.INSTANCE.bosId());
            assertThat(hf.eosId()).isEqualTo(CharCodec.INSTANCE.eosId());
            for (String s : new String[] {"12+35=", "capital of Zorbia?", " 47. ok", "rev:abc="}) {
                assertThat(hf.promptTokens(s)).containsExactly(CharCodec.INSTANCE.promptTokens(s));
                assertThat(hf.responseTokens(s)).containsExactly(CharCodec.INSTANCE.responseTokens(s));
                assertThat(hf.decodeResponse(hf.responseTokens(s))).isEqualTo(s);
            }
        }
    }

    @Test
    void aMissingTokenizerIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> HfTokenCodec.load(dir, RandomModel.smallLlama(99, 64)))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no tokenizer.json");
    }
}
