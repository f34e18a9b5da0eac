package dev.heterolora.model.io;

import dev.heterolora.core.HeteroloraException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a text file (JSONL data) line by line, decoding each line as strict UTF-8.
 *
 * <p>It exists because a buffered {@code Reader} fails on a bad byte with {@code Input length = 1} and no position:
 * decoding one line at a time lets the error name the file and the line, which is what a user needs to fix a data
 * file saved in Latin-1 or Windows-1252. Lines end at {@code \n}; a trailing {@code \r} is dropped.
 */
public final class TextLines {
    private TextLines() {}

    /** Receives each line with its 1-based number. */
    @FunctionalInterface
    public interface LineHandler {
        void line(int number, String text);
    }

    /**
     * Hands every line of {@code file} to {@code handler}, in order.
     *
     * @throws HeteroloraException naming the file (and line) when it is missing, unreadable or not UTF-8
     */
    public static void forEach(Path file, LineHandler handler) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            int number = 0;
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        line.write(buffer, start, i - start);
                        number++;
                        handler.line(number, decode(utf8, line, file, number));
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(buffer, start, n - start);
            }
            if (line.size() > 0) {
                number++;
                handler.line(number, decode(utf8, line, file, number));
            }
        } catch (NoSuchFileException e) {
            throw new HeteroloraException("data file " + file + " does not exist");
        } catch (IOException e) {
            throw new HeteroloraException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String decode(CharsetDecoder utf8, ByteArrayOutputStream bytes, Path file, int number) {
        byte[] raw = bytes.toByteArray();
        int end = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        ByteBuffer in = ByteBuffer.wrap(raw, 0, end);
        CharBuffer out = CharBuffer.allocate(end);
        utf8.reset();
        CoderResult result = utf8.decode(in, out, true);
        if (!result.isError()) {
            result = utf8.flush(out);
        }
        if (result.isError()) {
            throw new HeteroloraException(String.format(Locale.ROOT, "%s line %d is not UTF-8 text (byte 0x%02x at "
                    + "position %d of the line); save the file as UTF-8", file, number, raw[in.position()] & 0xff,
                    in.position() + 1));
        }
        return out.flip().toString();
    }
}
