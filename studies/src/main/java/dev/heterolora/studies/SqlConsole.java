package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Lets users query studies with plain SQL ({@code heterolora sql}) without being able to damage them by
 * accident.
 *
 * <p>Read-only is enforced by the database, not by inspecting the SQL text: without {@code allowWrite} the
 * statement runs on a fresh connection as {@code HL_READER}, a user the V1 migration created with SELECT rights
 * on the PUBLIC schema only, whose password is generated per database and kept private (see {@link Passwords}).
 * H2 then refuses INSERT, UPDATE, DELETE, MERGE, TRUNCATE, DDL, database-level SET, SHUTDOWN, BACKUP, SCRIPT and
 * file functions for it; an H2 file is moreover opened read-only, which also refuses row locks
 * ({@code SELECT … FOR UPDATE}). The connection runs without auto-commit and is rolled back and closed afterwards.
 * Session-only statements (SET SCHEMA, SET @variable, local temporary tables) are allowed since they vanish with
 * that connection. On PostgreSQL the reader is a session whose transactions are READ ONLY: the transaction has run a
 * query before the user's statement (so {@code SET TRANSACTION READ WRITE} is refused), and the statement is sent as
 * one prepared statement (so it cannot smuggle a {@code COMMIT} and a second statement in). PostgreSQL then refuses
 * writes, DDL and row locks. With {@code allowWrite} the statement runs on the store's own connection and commits.
 */
public final class SqlConsole {
    private static final int NOT_ENOUGH_RIGHTS = 90096;
    private static final int ADMIN_RIGHTS_REQUIRED = 90040;
    private static final int READ_ONLY_DATABASE = 90097;
    /** PostgreSQL's read_only_sql_transaction. */
    private static final String READ_ONLY_TRANSACTION = "25006";
    private static final String READ_ONLY_HINT = " (the console is read-only; writing needs --write)";

    /** Opens a connection for one read-only statement. */
    @FunctionalInterface
    interface Readers {
        Connection open() throws SQLException;
    }

    private final Jdbc owner;
    private final Readers readers;

    /** {@code owner} is the store's own connection (write mode), or null for a console that only reads. */
    SqlConsole(Jdbc owner, Readers readers) {
        this.owner = owner;
        this.readers = readers;
    }

    /**
     * Executes one SQL statement.
     *
     * @param allowWrite {@code false}: read-only (see the class comment); {@code true}: anything the store's user may do
     * @return the result set of a query, or the update count of any other statement
     * @throws HeteroloraException with a one-line message for bad SQL, a write attempted read-only, or a write asked
     *                             of a console opened read-only
     */
    public QueryResult execute(String sql, boolean allowWrite) {
        if (sql == null || sql.isBlank()) {
            throw new HeteroloraException("SQL error: empty statement");
        }
        if (allowWrite) {
            if (owner == null) {
                throw new HeteroloraException("this console was opened read-only");
            }
            return owner.call(c -> run(c, sql));
        }
        try (Connection reader = readers.open()) {
            reader.setAutoCommit(false);
            try (Statement first = reader.createStatement()) {
                first.execute("SELECT 1");
                return run(reader, sql);
            } finally {
                reader.rollback();
            }
        } catch (SQLException e) {
            int code = e.getErrorCode();
            if (code == NOT_ENOUGH_RIGHTS || code == ADMIN_RIGHTS_REQUIRED || code == READ_ONLY_DATABASE
                    || READ_ONLY_TRANSACTION.equals(e.getSQLState())) {
                throw new HeteroloraException("SQL error: " + SqlErrors.oneLine(e) + READ_ONLY_HINT);
            }
            throw SqlErrors.sqlError(e);
        }
    }

    private static QueryResult run(Connection c, String sql) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            if (!st.execute()) {
                return new QueryResult(List.of(), List.of(), Math.max(0, st.getUpdateCount()));
            }
            try (ResultSet rs = st.getResultSet()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnLabel(i));
                }
                List<List<Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        row.add(plain(rs.getObject(i)));
                    }
                    rows.add(row);
                }
                return new QueryResult(columns, rows, -1);
            }
        }
    }

    /**
     * A JDBC value as one of the types {@link QueryResult} documents: null, String, Boolean, a Number or a List
     * (SQL arrays). Large objects are read out, binary values become hex text, dates, times and anything else
     * their ISO-8601 or {@code toString} text.
     */
    private static Object plain(Object value) throws SQLException {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Number n -> n;
            case Clob clob -> clob.getSubString(1, Math.toIntExact(clob.length()));
            case Blob blob -> HexFormat.of().formatHex(blob.getBytes(1, Math.toIntExact(blob.length())));
            case byte[] bytes -> HexFormat.of().formatHex(bytes);
            case Array array -> {
                List<Object> items = new ArrayList<>();
                for (Object item : Arrays.asList((Object[]) array.getArray())) {
                    items.add(plain(item));
                }
                yield items;
            }
            case java.sql.Timestamp ts -> ts.toLocalDateTime().toString();
            case java.sql.Date date -> date.toLocalDate().toString();
            case java.sql.Time time -> time.toLocalTime().toString();
            default -> value.toString();
        };
    }
}
