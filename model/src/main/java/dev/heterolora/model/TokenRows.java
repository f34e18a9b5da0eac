package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.model.io.TextLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads a JSONL file of token rows: each line has {@code "text"} (tokenised with the model's tokenizer) or
 * {@code "input_ids"}. Blank lines are skipped; a bad line is reported with its line number.
 */
public final class TokenRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenRows() {}

    /**
     * The rows of {@code file}. The tokenizer is only asked for when a row has text.
     *
     * @param vocabSize ids must be in [0, vocabSize)
     */
    public static List<int[]> read(Path file, Supplier<TextTokenizer> tokenizer, int vocabSize) {
        List<int[]> rows = new ArrayList<>();
        TextTokenizer[] tok = {null};
        try {
            readInto(rows, file, tokenizer, tok, vocabSize);
        } finally {
            if (tok[0] != null) {
                tok[0].close();
            }
        }
        if (rows.isEmpty()) {
            throw new HeteroloraException(file + " has no rows");
        }
        return rows;
    }

    private static void readInto(List<int[]> rows, Path file, Supplier<TextTokenizer> tokenizer, TextTokenizer[] tok,
                                 int vocabSize) {
        TextLines.forEach(file, (number, line) -> {
            if (line.isBlank()) {
                return;
            }
            String where = file + " line " + number;
            JsonNode row;
            try {
                row = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new HeteroloraException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            int[] ids;
            if (row != null && row.path("input_ids").isArray()) {
                JsonNode arr = row.get("input_ids");
                ids = new int[arr.size()];
                for (int i = 0; i < ids.length; i++) {
                    if (!arr.get(i).canConvertToInt()) {
                        throw new HeteroloraException(where + ": input_ids[" + i + "] is not an integer");
                    }
                    ids[i] = arr.get(i).asInt();
                    if (ids[i] < 0 || ids[i] >= vocabSize) {
                        throw new HeteroloraException(where + ": token id " + ids[i] + " is outside the vocabulary"
                                + " of " + vocabSize);
                    }
                }
            } else if (row != null && row.path("text").isTextual()) {
                if (tok[0] == null) {
                    try {
                        tok[0] = tokenizer.get();
                    } catch (HeteroloraException e) {
                        throw new HeteroloraException(where + " has \"text\", but " + e.getMessage()
                                + " (or give the rows as \"input_ids\")", e);
                    }
                }
                ids = tok[0].encode(row.get("text").asText());
            } else {
                throw new HeteroloraException(where + ": expected an object with \"text\" or \"input_ids\"");
            }
            if (ids.length < 2) {
                throw new HeteroloraException(where + ": needs at least 2 tokens to score, has " + ids.length);
            }
            rows.add(ids);
        });
    }
}
