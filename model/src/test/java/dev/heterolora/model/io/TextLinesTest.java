package dev.heterolora.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines of a data file as strict UTF-8, numbered, whatever the line endings and however long the lines. */
class TextLinesTest {

    private static List<String> lines(Path file) {
        List<String> out = new ArrayList<>();
        TextLines.forEach(file, (number, text) -> {
            assertThat(number).isEqualTo(out.size() + 1);
            out.add(text);
        });
        return out;
    }

    @Test
    void crlfBlankLinesAMissingLastNewlineAndALineLongerThanTheBuffer(@TempDir Path tmp) throws IOException {
        String longLine = "é".repeat(70_000);
        Path file = tmp.resolve("a.jsonl");
        Files.writeString(file, "one\r\n\ntwo ☃\n" + longLine + "\nlast", StandardCharsets.UTF_8);
        assertThat(lines(file)).containsExactly("one", "", "two ☃", longLine, "last");
    }

    @Test
    void aBadByteIsReportedWithItsLineAndPosition(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("b.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("ok ☃\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'a', 'b', (byte) 0xff, 'c', '\n'});
        Files.write(file, bytes.toByteArray());
        assertThatThrownBy(() -> lines(file)).isInstanceOf(HeteroloraException.class)
                .hasMessage(file + " line 2 is not UTF-8 text (byte 0xff at position 3 of the line); save the file as "
                        + "UTF-8");
        assertThatThrownBy(() -> lines(tmp.resolve("none.jsonl"))).hasMessage("data file " + tmp.resolve("none.jsonl")
                + " does not exist");
    }
}
