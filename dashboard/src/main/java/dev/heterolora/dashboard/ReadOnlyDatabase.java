package dev.heterolora.dashboard;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The study database as the dashboard sees it, read-only by construction: one connection as {@code HL_READER}, the
 * user with SELECT rights only (on an H2 file the file is moreover opened read-only), so the database itself refuses
 * any write whatever the code above asks, and nothing is created or migrated. Every query is a prepared statement
 * written in this module with its parameters bound, never SQL that came from a browser.
 *
 * <p>The connection stays open (a new one per query would cost tens of milliseconds of login and, on a file, of
 * opening the database) and runs one statement at a time; if it breaks (the H2 server restarted), the next query
 * connects again. To watch a search or a run that another process writes, the database is shared through its H2
 * server ({@code heterolora server start}), as for every other command.
 */
final class ReadOnlyDatabase implements AutoCloseable {
    private static final String STUDY_COLUMNS = "id, name, created_at, updated_at, seed, strategy, budget_text, "
            + "budget_limit, base_params, model_path, model_hash, config_json, search_space_json, status, best_trial_id";
    private static final String RUN_COLUMNS = "id, study_id, trial_id, kind, config_json, status, message, created_at, "
            + "updated_at, output_dir";

    private final StudyDatabase database;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection;

    private ReadOnlyDatabase(StudyDatabase database, Connection connection) {
        this.database = database;
        this.connection = connection;
    }

    /** Maps the current row of a result set to a value. */
    @FunctionalInterface
    interface Row<T> {
        /** Reads the current row; must not move the cursor. */
        T map(ResultSet rs) throws SQLException;
    }

    /**
     * Connects to a study database as its read-only user.
     *
     * @throws HeteroloraException (one line) if the database does not exist yet or cannot be reached
     */
    static ReadOnlyDatabase open(StudyDatabase database) {
        database.openReadOnly(); // checks that the database exists and the reader can log in, with the store's messages
        return new ReadOnlyDatabase(database, connect(database));
    }

    private static Connection connect(StudyDatabase database) {
        try {
            Connection c = database.readerConnection();
            c.setReadOnly(true);
            return c;
        } catch (SQLException e) {
            throw new HeteroloraException("cannot open study database " + database.url() + " read-only: " + oneLine(e));
        }
    }

    /** Every row {@code sql} selects, mapped; parameters are bound in order. */
    <T> List<T> list(String sql, Row<T> row, Object... params) {
        lock.lock();
        try {
            try {
                return query(sql, row, params);
            } catch (SQLException e) {
                if (connection.isValid(1)) {
                    throw e;
                }
                connection.close();
                connection = connect(database);
                return query(sql, row, params);
            }
        } catch (SQLException e) {
            throw new HeteroloraException("SQL error: " + oneLine(e), e);
        } finally {
            lock.unlock();
        }
    }

    private <T> List<T> query(String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.map(rs));
                }
            }
            return out;
        }
    }

    /** The first row {@code sql} selects, if any. */
    <T> Optional<T> first(String sql, Row<T> row, Object... params) {
        return list(sql, row, params).stream().findFirst();
    }

    /** A count or other single number the query selects in its first column. */
    long number(String sql, Object... params) {
        return first(sql, rs -> rs.getLong(1), params).orElse(0L);
    }

    /** Whether the schema has a table of this name: databases of older versions lack the newer tables. */
    boolean hasTable(String name) {
        return number("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) = ?",
                name.toLowerCase(Locale.ROOT)) > 0;
    }

    /** The study with this id, as the store reads it back. */
    Optional<Study> study(long id) {
        return first("SELECT " + STUDY_COLUMNS + " FROM study WHERE id = ?", rs -> new Study(rs.getLong("id"),
                rs.getString("name"), instant(rs, "created_at"), instant(rs, "updated_at"), rs.getLong("seed"),
                rs.getString("strategy"), rs.getString("budget_text"), rs.getLong("budget_limit"),
                rs.getLong("base_params"), rs.getString("model_path"), rs.getString("model_hash"),
                rs.getString("config_json"), rs.getString("search_space_json"), Status.of(rs.getString("status")),
                longOrNull(rs, "best_trial_id")), id);
    }

    /** The run with this id, as the store reads it back. */
    Optional<Run> run(long id) {
        return first("SELECT " + RUN_COLUMNS + " FROM run WHERE id = ?", rs -> new Run(rs.getLong("id"),
                longOrNull(rs, "study_id"), longOrNull(rs, "trial_id"), rs.getString("kind"), rs.getString("config_json"),
                Status.of(rs.getString("status")), rs.getString("message"), instant(rs, "created_at"),
                instant(rs, "updated_at"), rs.getString("output_dir")), id);
    }

    /** A nullable floating-point column, NaN for SQL NULL (the store's reading of a non-finite number). */
    static double real(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? Double.NaN : v;
    }

    /** A nullable BIGINT column. */
    static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** A nullable timestamp column. */
    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** Closes the connection. */
    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a reader connection loses nothing
        } finally {
            lock.unlock();
        }
    }

    private static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse("").replaceFirst("; SQL statement:.*$", "")
                .replaceFirst("\\s*\\[\\d+-\\d+]\\s*$", "").strip();
    }
}
