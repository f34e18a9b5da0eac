package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.world.CharCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataTest {

    @Test
    void sftLinesAreTokenisedWithEosAfterTheResponse(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("sft.jsonl");
        Files.writeString(f, "{\"prompt\":\"1+2=\",\"response\":\"3.\"}\n\n{\"prompt\":\"up:ab=\",\"response\":\"AB\"}\n");
        List<SftExample> rows = TrainingData.sft(f, CharCodec.INSTANCE);
        assertThat(rows).hasSize(2);
        assertThat(CharCodec.INSTANCE.decode(rows.get(0).prompt())).isEqualTo("1+2=");
        assertThat(rows.get(0).response()).hasSize(3).endsWith(CharCodec.INSTANCE.eosId());
    }

    @Test
    void malformedLinesAreReportedByLineNumber(@TempDir Path tmp) throws IOException {
        Path sft = tmp.resolve("sft.jsonl");
        Files.writeString(sft, "{\"prompt\":\"a\",\"response\":\"b\"}\n\n{\"prompt\":\"a\",\"response\":\n");
        assertThatThrownBy(() -> TrainingData.sft(sft, CharCodec.INSTANCE))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("line 3");
        Path missing = tmp.resolve("missing.jsonl");
        Files.writeString(missing, "{\"prompt\":\"a\",\"response\":\"b\"}\n{\"prompt\":\"a\"}\n");
        assertThatThrownBy(() -> TrainingData.sft(missing, CharCodec.INSTANCE))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("line 2").hasMessageContaining("response");
        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":\"c\"}\n"
                + "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":7}\n");
        assertThatThrownBy(() -> TrainingData.pairs(pairs, CharCodec.INSTANCE))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("line 2").hasMessageContaining("rejected");
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "\n\n");
        assertThatThrownBy(() -> TrainingData.sft(empty, CharCodec.INSTANCE))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no examples");
    }

    @Test
    void aFailedWriteLeavesNothingHalfWritten(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        assertThatThrownBy(() -> OutputDirectory.write(out, false, dir -> {
            Files.writeString(dir.resolve("config.json"), "{}");
            throw new HeteroloraException("disk full");
        })).isInstanceOf(HeteroloraException.class).hasMessage("disk full");
        assertThat(out).doesNotExist();
        assertNoTempLeft(tmp);

        // an existing output survives a failed replacement untouched
        Files.createDirectories(out);
        Files.writeString(out.resolve("model.safetensors"), "old");
        assertThatThrownBy(() -> OutputDirectory.write(out, true, dir -> {
            Files.writeString(dir.resolve("model.safetensors"), "new, half");
            throw new IOException("boom");
        })).isInstanceOf(HeteroloraException.class).hasMessageContaining("boom");
        assertThat(Files.readString(out.resolve("model.safetensors"))).isEqualTo("old");
        assertNoTempLeft(tmp);

        OutputDirectory.write(out, true, dir -> Files.writeString(dir.resolve("model.safetensors"), "new"));
        assertThat(Files.readString(out.resolve("model.safetensors"))).isEqualTo("new");
        assertNoTempLeft(tmp);
    }

    @Test
    void badDataStopsBeforeAnyOutputExists(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("sft.jsonl");
        Files.writeString(data, "{\"prompt\":\"1+1=\",\"response\":\"2.\"}\nnot json\n");
        Path out = tmp.resolve("trained");
        try (CausalLM model = TinyModels.model(CharCodec.INSTANCE.vocabSize(), 1)) {
            assertThatThrownBy(() -> {
                List<SftExample> rows = TrainingData.sft(data, CharCodec.INSTANCE);
                new SftTrainer(model, new Tuning.Full(), SftTrainerTest.quick(2)).train(rows);
                SftTrainer.save(model, new Tuning.Full(), out, null, null, false);
            }).isInstanceOf(HeteroloraException.class).hasMessageContaining("line 2");
        }
        assertThat(out).doesNotExist();
        assertNoTempLeft(tmp);
    }

    private static void assertNoTempLeft(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }
}
