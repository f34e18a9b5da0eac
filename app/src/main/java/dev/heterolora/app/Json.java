package dev.heterolora.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.HeteroloraException;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON for stored configurations and for output: one shared mapper; stored text that cannot be read is one line. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** Parses stored JSON text (a corrupt value is the database's problem, reported in one line). */
    public static JsonNode read(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new HeteroloraException("stored JSON is not readable: " + e.getOriginalMessage());
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }
}
