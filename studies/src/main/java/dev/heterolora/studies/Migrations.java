package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.sql.SQLException;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The study schema's one Flyway history, applied when a store opens: the portable scripts of
 * {@code classpath:db/heterolora/common} and the vendor's own ({@code db/heterolora/h2}, {@code …/postgresql}; see
 * {@link Vendor#migrations()}). The H2 scripts of versions 1 to 4 are byte for byte those that older versions applied
 * from {@code db/heterolora}, so their recorded checksums still match.
 */
final class Migrations {
    private Migrations() {}

    /**
     * Brings the database up to the newest schema version.
     *
     * @throws HeteroloraException (one line) if a migration fails or the recorded history does not match the scripts
     */
    static void migrate(Vendor vendor, String url, String user, String password) {
        try {
            Flyway.configure(Migrations.class.getClassLoader())
                    .dataSource(url, user, password)
                    .locations(vendor.migrations())
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new HeteroloraException("cannot migrate study database " + url + ": " + reason(e));
        }
    }

    private static String reason(FlywayException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return SqlErrors.oneLine(sql);
            }
        }
        // Flyway's first line is often a heading ("Validate failed: ..."), the second says what failed; the rest is advice
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return SqlErrors.oneLine(message.lines().filter(l -> !l.isBlank() && !l.matches("-+"))
                .limit(2).collect(Collectors.joining("; ")));
    }
}
