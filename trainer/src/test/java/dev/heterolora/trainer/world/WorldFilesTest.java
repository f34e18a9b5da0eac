package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorldFilesTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsEveryFormatWithFixedFieldOrder() throws IOException {
        List<Demonstration> sft = List.of(new Demonstration("12+35=", "47."), new Demonstration("up:a\"b=", " é\t"));
        List<Preference> pairs = List.of(new Preference("rev:abc=", "cba.", "cab"));
        List<Task> eval = List.of(new Task(TaskKind.FACT, "color of Zorbia?", "teal"),
                new Task(TaskKind.ARITHMETIC, "3-6=", "-3"));
        WorldFiles.writeSft(dir.resolve("sub/sft.jsonl"), sft);
        WorldFiles.writePairs(dir.resolve(WorldFiles.PAIRS), pairs);
        WorldFiles.writeEval(dir.resolve(WorldFiles.EVAL), eval);
        assertThat(WorldFiles.readSft(dir.resolve("sub/sft.jsonl"))).isEqualTo(sft);
        assertThat(WorldFiles.readPairs(dir.resolve(WorldFiles.PAIRS))).isEqualTo(pairs);
        assertThat(WorldFiles.readEval(dir.resolve(WorldFiles.EVAL))).isEqualTo(eval);
        assertThat(Files.readString(dir.resolve(WorldFiles.PAIRS)))
                .isEqualTo("{\"prompt\":\"rev:abc=\",\"chosen\":\"cba.\",\"rejected\":\"cab\"}\n");
        assertThat(Files.readAllLines(dir.resolve(WorldFiles.EVAL)).get(0))
                .isEqualTo("{\"prompt\":\"color of Zorbia?\",\"answer\":\"teal\",\"kind\":\"fact\"}");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "sub", WorldFiles.PAIRS, WorldFiles.EVAL);
        }
    }

    @Test
    void overwritesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve(WorldFiles.SFT);
        WorldFiles.writeSft(file, List.of(new Demonstration("a", "b")));
        WorldFiles.writeSft(file, List.of(new Demonstration("c", "d")));
        assertThat(WorldFiles.readSft(file)).containsExactly(new Demonstration("c", "d"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aFailedWriteLeavesNothingBehind() throws IOException {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file, not a directory");
        assertThatThrownBy(() -> WorldFiles.writeSft(blocker.resolve(WorldFiles.SFT), List.of()))
                .isInstanceOf(HeteroloraException.class).hasMessageStartingWith("cannot write");
        Path target = dir.resolve("target");
        Files.createDirectories(target.resolve(WorldFiles.SFT));
        assertThatThrownBy(() -> WorldFiles.writeSft(target.resolve(WorldFiles.SFT), List.of()))
                .isInstanceOf(HeteroloraException.class).hasMessageNotContaining("\n");
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files).containsExactly(target.resolve(WorldFiles.SFT));
        }
    }

    @Test
    void blankLinesAreSkippedAndUnknownFieldsIgnored() throws IOException {
        Path file = dir.resolve(WorldFiles.SFT);
        Files.writeString(file, "\n{\"prompt\":\"a\",\"response\":\"b\",\"id\":7}\n   \n{\"response\":\"d\",\"prompt\":\"c\"}");
        assertThat(WorldFiles.readSft(file)).containsExactly(new Demonstration("a", "b"), new Demonstration("c", "d"));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"prompt":"a","response":"b" | malformed JSON
            {"prompt":"a","response":"b"} x | malformed JSON
            ["a","b"] | expected a JSON object
            {"prompt":"a"} | missing field 'response'
            {"prompt":"a","response":null} | missing field 'response'
            {"prompt":"a","response":3} | field 'response' must be a string
            """)
    void badSftLinesAreReportedWithTheirLineNumber(String badLine, String problem) throws IOException {
        Path file = dir.resolve(WorldFiles.SFT);
        Files.writeString(file, "{\"prompt\":\"a\",\"response\":\"b\"}\n\n" + badLine + "\n{\"prompt\":\"c\",\"response\":\"d\"}\n");
        assertThatThrownBy(() -> WorldFiles.readSft(file))
                .isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith(file + " line 3: " + problem)
                .hasMessageNotContaining("\n");
    }

    @Test
    void badPairsAndEvalLinesAreReportedWithTheirLineNumber() throws IOException {
        Path pairs = dir.resolve(WorldFiles.PAIRS);
        Files.writeString(pairs, "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":\"c\"}\n{\"prompt\":\"a\",\"chosen\":\"b\"}\n");
        assertThatThrownBy(() -> WorldFiles.readPairs(pairs))
                .hasMessage(pairs + " line 2: missing field 'rejected'");
        Path eval = dir.resolve(WorldFiles.EVAL);
        Files.writeString(eval, "{\"prompt\":\"a\",\"answer\":\"b\",\"kind\":\"poem\"}\n");
        assertThatThrownBy(() -> WorldFiles.readEval(eval))
                .isInstanceOf(HeteroloraException.class).hasMessageStartingWith(eval + " line 1: unknown task kind 'poem'");
        Files.writeString(eval, "{\"prompt\":\"a\",\"answer\":\"b\",\"kind\":\"fact\"}\n{\"prompt\":\"a\",\"answer\":\"b.\",\"kind\":\"fact\"}\n");
        assertThatThrownBy(() -> WorldFiles.readEval(eval))
                .isInstanceOf(HeteroloraException.class).hasMessageStartingWith(eval + " line 2: task answer");
    }

    @Test
    void missingAndUndecodableFilesAreReported() throws IOException {
        assertThatThrownBy(() -> WorldFiles.readSft(dir.resolve("none.jsonl")))
                .isInstanceOf(HeteroloraException.class).hasMessage("data file " + dir.resolve("none.jsonl") + " does not exist");
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, new byte[] {'{', '"', 'p', (byte) 0xE9, '"', '}', '\n'});
        assertThatThrownBy(() -> WorldFiles.readSft(latin1))
                .isInstanceOf(HeteroloraException.class).hasMessage(latin1 + " line 1 is not UTF-8 text (byte 0xe9 at position 4 of the line); save the file as UTF-8");
    }
}
