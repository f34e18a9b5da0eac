package dev.heterolora.dashboard;

import dev.heterolora.core.HeteroloraException;

import java.util.Map;

/** Reads query and path parameters, refusing anything malformed with one line (the API answers 400 with it). */
final class Params {
    private Params() {}

    /** An integer parameter, {@code fallback} when absent or blank. */
    static int integer(String name, String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new HeteroloraException(name + " must be an integer, not '" + value + "'");
        }
    }

    /** An id from a path, e.g. a study or run id. */
    static long id(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new HeteroloraException(name + " must be an integer id, not '" + value + "'");
        }
    }

    /**
     * The SQL {@code ORDER BY} of a request's {@code sort} and {@code order} parameters: {@code sort} must be a key
     * of {@code columns} (the API's names mapped to SQL expressions written in code), {@code order} {@code asc} or
     * {@code desc}; missing values take the defaults. Missing numbers sort last either way.
     */
    static String orderBy(String sort, String order, Map<String, String> columns, String defaultSort,
                          boolean defaultDescending) {
        String key = sort == null || sort.isBlank() ? defaultSort : sort.strip();
        String column = columns.get(key);
        if (column == null) {
            throw new HeteroloraException("cannot sort by '" + sort + "' (expected one of "
                    + String.join(", ", columns.keySet().stream().sorted().toList()) + ")");
        }
        boolean descending = defaultDescending;
        if (order != null && !order.isBlank()) {
            descending = switch (order.strip()) {
                case "asc" -> false;
                case "desc" -> true;
                default -> throw new HeteroloraException("order must be asc or desc, not '" + order + "'");
            };
        }
        return column + (descending ? " DESC" : " ASC") + " NULLS LAST";
    }
}
