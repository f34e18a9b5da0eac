package dev.heterolora.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.HeteroloraException;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The CLI's JSON output: one compact object per line, so scripts can take the last line. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** Parses stored JSON text (a corrupt value is the database's problem, reported in one line). */
    static JsonNode read(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new HeteroloraException("stored JSON is not readable: " + e.getOriginalMessage());
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }
}
