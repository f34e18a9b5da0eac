package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;
import java.util.regex.Pattern;
import org.h2.jdbc.JdbcException;

/**
 * Turns JDBC and H2 failures into one-line messages: H2 appends the SQL statement on extra lines and an
 * error code suffix such as {@code [42102-252]}, neither of which belongs in a CLI error.
 */
final class SqlErrors {
    private static final Pattern STATEMENT_ECHO = Pattern.compile("(?s); SQL statement:.*$");
    private static final Pattern CODE_SUFFIX = Pattern.compile("\\s*\\[\\d+-\\d+]\\s*$");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    /** H2's LOCK_TIMEOUT_1, DEADLOCK_1 and CONCURRENT_UPDATE_1. */
    private static final Set<Integer> CONTENTION_CODES = Set.of(50200, 40001, 90131);

    private SqlErrors() {}

    /** The database's own explanation of {@code e} on one line. */
    static String oneLine(SQLException e) {
        String message = e instanceof JdbcException h2 ? h2.getOriginalMessage() : e.getMessage();
        return oneLine(message == null ? e.getClass().getSimpleName() : message);
    }

    /** {@code message} with any statement echo, error code suffix and line breaks removed. */
    static String oneLine(String message) {
        String m = STATEMENT_ECHO.matcher(message).replaceFirst("");
        m = CODE_SUFFIX.matcher(m).replaceFirst("");
        return WHITESPACE.matcher(m).replaceAll(" ").trim();
    }

    /**
     * The usual wrapping of a failed statement: {@code SQL error: <one line>}; a {@link Contention} when another
     * transaction was in the way, so the caller may try again.
     */
    static HeteroloraException sqlError(SQLException e) {
        String unwritable = unwritable(e);
        if (unwritable != null) {
            return new HeteroloraException("cannot write the study database: " + unwritable, e);
        }
        String message = "SQL error: " + oneLine(e);
        return isContention(e) ? new Contention(message, e) : new HeteroloraException(message, e);
    }

    /**
     * Why the database file could not be written (disk full, no permission, read-only file system), from the I/O
     * error under {@code e}; null if that is not what failed. H2 reports these as "General error: MVStoreException:
     * Writing to sun.nio.ch.FileChannelImpl@… failed", which tells a user nothing.
     */
    private static String unwritable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io && io.getMessage() != null) {
                String m = io.getMessage();
                if (m.contains("No space left")) {
                    return "the disk is full (no space left on the device)";
                }
                if (m.contains("Permission denied") || m.contains("Read-only file system")) {
                    return m.contains("Read-only") ? "read-only file system" : "permission denied";
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code e} says another transaction was in the way rather than that the statement is wrong: a
     * serialization failure or deadlock (SQLState class 40, both databases), H2's lock timeout and concurrent update.
     */
    static boolean isContention(SQLException e) {
        String state = e.getSQLState();
        return (state != null && state.startsWith("40")) || CONTENTION_CODES.contains(e.getErrorCode());
    }

    /** Whether {@code e} (or what it wraps) is a unique-key violation (SQLState 23505 on H2 and PostgreSQL). */
    static boolean isDuplicateKey(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** A statement that failed only because another transaction held or changed the same rows: worth a retry. */
    static final class Contention extends HeteroloraException {
        private static final long serialVersionUID = 1L;

        Contention(String message, SQLException cause) {
            super(message, cause);
        }
    }
}
