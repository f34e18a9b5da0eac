package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.sql.SQLException;
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

    /** The usual wrapping of a failed statement: {@code SQL error: <one line>}. */
    static HeteroloraException sqlError(SQLException e) {
        return new HeteroloraException("SQL error: " + oneLine(e));
    }
}
