package dev.heterolora.trainer.world;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.io.TextLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads and writes the world's JSONL data files, which are also the formats of users' own training data.
 *
 * <p>It exists so that every JSONL file is written the same way and read with the same checks. Formats, one JSON
 * object per line, fields in this order:
 * <ul>
 *   <li>{@value #SFT}: {@code {"prompt":..,"response":..}} ({@link Demonstration})</li>
 *   <li>{@value #PAIRS}: {@code {"prompt":..,"chosen":..,"rejected":..}} ({@link Preference})</li>
 *   <li>{@value #EVAL}: {@code {"prompt":..,"answer":..,"kind":"fact"}} ({@link Task}, kind as
 *       {@link TaskKind#jsonName()})</li>
 * </ul>
 * Writing is atomic: the file is written in full to a temporary file beside it and then moved into place, so a
 * reader never sees half a file. Reading skips blank lines, ignores unknown fields, and rejects a malformed line,
 * a missing field or a field that is not a string with a one-line {@link HeteroloraException} naming the file
 * and the line number.
 */
public final class WorldFiles {

    /** File name of the SFT demonstrations. */
    public static final String SFT = "sft.jsonl";
    /** File name of the preference pairs. */
    public static final String PAIRS = "pairs.jsonl";
    /** File name of the held-out evaluation prompts. */
    public static final String EVAL = "eval.jsonl";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private WorldFiles() {
    }

    /** Writes demonstrations as {@value #SFT} lines. */
    public static void writeSft(Path file, List<Demonstration> rows) {
        write(file, rows, d -> JSON.createObjectNode().put("prompt", d.prompt()).put("response", d.response()));
    }

    /** Reads demonstrations from {@value #SFT} lines. */
    public static List<Demonstration> readSft(Path file) {
        return read(file, row -> new Demonstration(row.text("prompt"), row.text("response")));
    }

    /** Writes preferences as {@value #PAIRS} lines. */
    public static void writePairs(Path file, List<Preference> rows) {
        write(file, rows, p -> JSON.createObjectNode()
                .put("prompt", p.prompt()).put("chosen", p.chosen()).put("rejected", p.rejected()));
    }

    /** Reads preferences from {@value #PAIRS} lines. */
    public static List<Preference> readPairs(Path file) {
        return read(file, row -> new Preference(row.text("prompt"), row.text("chosen"), row.text("rejected")));
    }

    /** Writes evaluation tasks as {@value #EVAL} lines. */
    public static void writeEval(Path file, List<Task> rows) {
        write(file, rows, t -> JSON.createObjectNode()
                .put("prompt", t.prompt()).put("answer", t.answer()).put("kind", t.kind().jsonName()));
    }

    /** Reads evaluation tasks from {@value #EVAL} lines. */
    public static List<Task> readEval(Path file) {
        return read(file, row -> new Task(TaskKind.parse(row.text("kind")), row.text("prompt"), row.text("answer")));
    }

    /**
     * Writes {@code text} as UTF-8 to {@code file} atomically, creating its directory if needed.
     *
     * @throws HeteroloraException if the file cannot be written; no temporary file is left behind
     */
    public static void writeString(Path file, String text) {
        Path target = file.toAbsolutePath();
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new HeteroloraException("cannot write " + file + ": " + e, e);
        }
    }

    private static void deleteQuietly(Path temp) {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the write already failed; that error is the one to report
            }
        }
    }

    private static <T> void write(Path file, List<T> rows, Function<T, ObjectNode> toJson) {
        StringBuilder text = new StringBuilder();
        try {
            for (T row : rows) {
                text.append(JSON.writeValueAsString(toJson.apply(row))).append('\n');
            }
        } catch (JsonProcessingException e) {
            throw new HeteroloraException("cannot serialise a row of " + file + ": " + e.getOriginalMessage());
        }
        writeString(file, text.toString());
    }

    /** One parsed line, for looking up its fields. */
    private record Row(JsonNode json) {

        String text(String field) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) {
                throw new HeteroloraException("missing field '" + field + "'");
            }
            if (!value.isTextual()) {
                throw new HeteroloraException("field '" + field + "' must be a string");
            }
            return value.textValue();
        }
    }

    private static <T> List<T> read(Path file, Function<Row, T> fromRow) {
        List<T> rows = new ArrayList<>();
        TextLines.forEach(file, (number, line) -> {
            if (!line.isBlank()) {
                try {
                    rows.add(fromRow.apply(new Row(parse(line))));
                } catch (HeteroloraException e) {
                    throw new HeteroloraException(file + " line " + number + ": " + e.getMessage(), e);
                }
            }
        });
        return List.copyOf(rows);
    }

    private static JsonNode parse(String line) {
        JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new HeteroloraException("malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (!json.isObject()) {
            throw new HeteroloraException("expected a JSON object");
        }
        return json;
    }
}
