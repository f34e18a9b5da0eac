package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The store's one JDBC connection and the few ways the store's parts use it, so that statement and result-set
 * handling, parameter binding and the translation of {@link SQLException} into a one-line
 * {@link dev.heterolora.core.HeteroloraException} ({@code SQL error: ...}) each live in one place.
 *
 * <p>Parameters are bound by position; besides what {@link PreparedStatement#setObject} takes, a non-finite
 * {@code Double} is bound as SQL NULL (the store's rule for NaN and infinities), a {@link Status} as its
 * {@link Status#text() text} and a {@link Collection} as an SQL array (for {@code = ANY(?)}).
 *
 * <p>A connection runs one statement or transaction at a time, so every operation holds one lock while it uses
 * the connection: a transaction on one thread (a trial being recorded) never takes in a statement from another
 * (a shutdown hook setting the study's status). The lock is reentrant, so work inside {@link #transaction} uses the
 * other operations freely.
 */
final class Jdbc implements AutoCloseable {
    /** How often {@link #retrying} tries. */
    private static final int TRIES = 20;

    private final Connection connection;
    private final Vendor vendor;
    private final ReentrantLock lock = new ReentrantLock();

    Jdbc(Connection connection, Vendor vendor) {
        this.connection = connection;
        this.vendor = vendor;
    }

    /** The database's vendor, for the few statements that differ. */
    Vendor vendor() {
        return vendor;
    }

    /** Maps the current row of a result set to a value. */
    @FunctionalInterface
    interface RowMapper<T> {
        /** Reads the current row; must not move the cursor. */
        T map(ResultSet rs) throws SQLException;
    }

    /** A unit of JDBC work on the connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        /** Does the work. */
        T run(Connection c) throws SQLException;
    }

    /** Every row {@code sql} selects, mapped. */
    <T> List<T> list(String sql, RowMapper<T> mapper, Object... params) {
        return call(c -> {
            try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        });
    }

    /** The first row {@code sql} selects, mapped, if any. */
    <T> Optional<T> one(String sql, RowMapper<T> mapper, Object... params) {
        return list(sql, mapper, params).stream().findFirst();
    }

    /** Runs an INSERT, UPDATE, DELETE or MERGE and returns the number of rows it changed. */
    int update(String sql, Object... params) {
        return call(c -> {
            try (PreparedStatement ps = prepare(c, sql, params)) {
                return ps.executeUpdate();
            }
        });
    }

    /** Runs an INSERT into a table with an identity column {@code id} and returns the new row's id. */
    long insert(String sql, Object... params) {
        return call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql, new String[] {vendor.idColumn()})) {
                bind(ps, params);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    /** Runs one statement once per parameter row, as one JDBC batch. */
    void batch(String sql, List<List<?>> rows) {
        call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (List<?> row : rows) {
                    bind(ps, row.toArray());
                    ps.addBatch();
                }
                return ps.executeBatch();
            }
        });
    }

    /**
     * Runs {@code work} as one transaction: committed if it returns, rolled back if it throws. The work must not
     * start another transaction.
     */
    <T> T transaction(Supplier<T> work) {
        return call(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.get();
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    /**
     * {@link #transaction(Supplier)}, tried again (up to {@value #TRIES} times, after a short random pause) when it
     * failed only because a transaction of another connection was in the way ({@link SqlErrors.Contention}). The
     * work must be safe to repeat: it is rolled back before each new try.
     */
    <T> T retrying(Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction(work);
            } catch (SqlErrors.Contention e) {
                if (attempt == TRIES) {
                    throw e;
                }
                pause(attempt);
            }
        }
    }

    /** {@link #transaction(Supplier)} for work without a result. */
    void transaction(Runnable work) {
        transaction(() -> {
            work.run();
            return null;
        });
    }

    /** Runs {@code work} on the connection (for the console's write mode), translating its SQL errors. */
    <T> T call(SqlWork<T> work) {
        lock.lock();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw SqlErrors.sqlError(e);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connection. */
    @Override
    public void close() {
        call(c -> {
            c.close();
            return null;
        });
    }

    /** A DOUBLE column, NaN where it is NULL (the store writes non-finite numbers as NULL). */
    static double doubleOrNaN(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? Double.NaN : value;
    }

    /** A BIGINT column that may be NULL. */
    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** A non-null TIMESTAMP WITH TIME ZONE column. */
    static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    /** Sleeps a random 1 to 10·attempt ms (outside the lock), so contending workers fall out of step. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(1 + ThreadLocalRandom.current().nextInt(10 * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HeteroloraException("interrupted while waiting to retry a database transaction");
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            bind(ps, params);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            switch (params[i]) {
                case Double d when !Double.isFinite(d) -> ps.setNull(i + 1, Types.DOUBLE);
                case Status s -> ps.setString(i + 1, s.text());
                case Collection<?> values -> ps.setArray(i + 1, ps.getConnection().createArrayOf(
                        values.stream().anyMatch(String.class::isInstance) ? "VARCHAR" : "BIGINT", values.toArray()));
                case null, default -> ps.setObject(i + 1, params[i]);
            }
        }
    }
}
