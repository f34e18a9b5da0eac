package dev.heterolora.dashboard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A WHERE clause assembled from SQL fragments written in this module, with the request's values kept apart as bound
 * parameters: how list endpoints filter without ever putting text from a request into SQL.
 */
final class Where {
    private final List<String> conditions = new ArrayList<>();
    private final List<Object> params = new ArrayList<>();

    /** Adds {@code condition} (with one {@code ?} per value) when {@code value} is given: not null, not blank. */
    Where and(String condition, Object value) {
        if (value != null && !(value instanceof String s && s.isBlank())) {
            conditions.add(condition);
            params.add(value);
        }
        return this;
    }

    /** Adds a condition with several bound values, always. */
    Where always(String condition, Object... values) {
        conditions.add(condition);
        params.addAll(Arrays.asList(values));
        return this;
    }

    /** {@code " WHERE a AND b"}, or the empty string when nothing was added. */
    String sql() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** The bound values, followed by {@code more} (e.g. the offset and limit of the page). */
    Object[] params(Object... more) {
        return Stream.concat(params.stream(), Arrays.stream(more)).toArray();
    }

    /** A LIKE pattern (escape character {@code !}) matching {@code text} literally, with {@code %} around it. */
    static String containing(String text) {
        return "%" + literal(text) + "%";
    }

    /** A LIKE pattern (escape character {@code !}) matching what starts with {@code text}. */
    static String startingWith(String text) {
        return literal(text) + "%";
    }

    private static String literal(String text) {
        return text.replaceAll("([!%_])", "!$1");
    }
}
