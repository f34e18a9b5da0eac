package dev.heterolora.studies;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The databases a study store runs on, and the little SQL that differs between them: where each one's Flyway
 * scripts are (the portable ones in {@code common}, each vendor's own dialect of the older versions beside them;
 * both form one history of version numbers), how a row is inserted or replaced by its key, and how the generated id
 * column is named to the driver. Everything else the store runs is SQL both accept.
 */
enum Vendor {
    /** H2 2.x: an embedded file, an in-memory database or the H2 TCP server. */
    H2("h2", "ID"),
    /** PostgreSQL 12 or newer, through the org.postgresql driver. */
    POSTGRESQL("postgresql", "id");

    private final String folder;
    private final String idColumn;

    Vendor(String folder, String idColumn) {
        this.folder = folder;
        this.idColumn = idColumn;
    }

    /** The vendor of a JDBC URL ({@code jdbc:postgresql:…} or anything else, which H2 parses or refuses). */
    static Vendor of(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:") ? POSTGRESQL : H2;
    }

    /** Flyway locations of this vendor's history: the shared scripts and its own. */
    String[] migrations() {
        return new String[] {"classpath:db/heterolora/common", "classpath:db/heterolora/" + folder};
    }

    /** The generated-key column name as the driver wants it (PostgreSQL quotes it, so it must be lower case). */
    String idColumn() {
        return idColumn;
    }

    /**
     * An INSERT of {@code columns} that replaces the row with the same {@code key} columns instead of failing: H2's
     * {@code MERGE … KEY}, PostgreSQL's {@code INSERT … ON CONFLICT … DO UPDATE} (MERGE arrived only in 15).
     */
    String upsert(String table, List<String> key, List<String> columns) {
        String cols = String.join(", ", columns);
        String marks = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
        return switch (this) {
            case H2 -> "MERGE INTO " + table + " (" + cols + ") KEY (" + String.join(", ", key) + ") VALUES (" + marks + ")";
            case POSTGRESQL -> {
                List<String> rest = columns.stream().filter(c -> !key.contains(c)).toList();
                yield "INSERT INTO " + table + " (" + cols + ") VALUES (" + marks + ") ON CONFLICT ("
                        + String.join(", ", key) + ") " + (rest.isEmpty() ? "DO NOTHING" : "DO UPDATE SET "
                        + rest.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", ")));
            }
        };
    }
}
