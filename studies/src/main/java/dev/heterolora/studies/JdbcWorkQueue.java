package dev.heterolora.studies;

import static dev.heterolora.studies.Jdbc.instant;

import dev.heterolora.core.HeteroloraException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code work_unit} table (migration V4): the {@link WorkQueue} of {@link StudyStore}, in SQL that H2 and
 * PostgreSQL both run.
 *
 * <p>A claim is one transaction: it locks expired leases with {@code SELECT … FOR UPDATE SKIP LOCKED} and puts them
 * back (or fails them), then locks the oldest queued unit the same way and marks it claimed with a conditional
 * {@code UPDATE … WHERE status = 'queued'}. Rows another worker has locked are skipped rather than waited for, so
 * concurrent claims neither block each other nor get the same unit; should a database let two claims see one row, the
 * conditional update lets only one of them change it. Leases are measured on the database's clock, so workers on
 * machines with different clocks agree on them.
 */
final class JdbcWorkQueue implements WorkQueue {
    private static final String COLUMNS = "id, queue, unit_key, payload_json, status, attempts, worker, heartbeat_at, "
            + "result_json, message";
    /** The database time {@code ?} seconds from now (portable: H2 and PostgreSQL both multiply an interval). */
    private static final String FROM_NOW = "CURRENT_TIMESTAMP + CAST(? AS DOUBLE PRECISION) * INTERVAL '1' SECOND";
    /** Selects the row of a claimed unit only while the claim that produced it still holds it. */
    private static final String HELD = " WHERE id = ? AND attempts = ? AND status = ?";

    private final Jdbc jdbc;

    JdbcWorkQueue(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void enqueue(String queue, List<NewUnit> units) {
        requireName(queue);
        for (int attempt = 1; ; attempt++) {
            try {
                jdbc.retrying(() -> {
                    for (NewUnit u : units) {
                        if (jdbc.one("SELECT id FROM work_unit WHERE queue = ? AND unit_key = ?", rs -> rs.getLong(1),
                                queue, u.key()).isEmpty()) {
                            jdbc.update("INSERT INTO work_unit (queue, unit_key, payload_json) VALUES (?, ?, ?)",
                                    queue, u.key(), u.payloadJson());
                        }
                    }
                    return null;
                });
                return;
            } catch (HeteroloraException e) {
                // another worker inserted one of these units between this one's look and its insert: the whole
                // enqueue is rolled back and done again, now finding that unit there
                if (attempt == 5 || !SqlErrors.isDuplicateKey(e)) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Optional<ClaimedUnit> claim(String queue, String worker, Duration lease) {
        requireName(queue);
        requireName(worker);
        double seconds = seconds(lease);
        return jdbc.retrying(() -> {
            expireLeases(queue);
            while (true) {
                Optional<ClaimedUnit> next = jdbc.one("SELECT id, unit_key, payload_json, attempts FROM work_unit "
                        + "WHERE queue = ? AND status = ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                        rs -> new ClaimedUnit(rs.getLong("id"), queue, rs.getString("unit_key"),
                                rs.getString("payload_json"), worker, rs.getInt("attempts") + 1), queue, Status.QUEUED);
                if (next.isEmpty() || jdbc.update("UPDATE work_unit SET status = ?, attempts = ?, worker = ?, "
                        + "heartbeat_at = CURRENT_TIMESTAMP, lease_until = " + FROM_NOW + ", message = NULL, "
                        + "updated_at = CURRENT_TIMESTAMP WHERE id = ? AND status = ?", Status.RUNNING,
                        next.get().attempt(), worker, seconds, next.get().id(), Status.QUEUED) == 1) {
                    return next;
                }
            }
        });
    }

    @Override
    public void heartbeat(ClaimedUnit unit, Duration lease) {
        change(unit, "heartbeat_at = CURRENT_TIMESTAMP, lease_until = " + FROM_NOW, seconds(lease));
    }

    @Override
    public void complete(ClaimedUnit unit, String resultJson) {
        change(unit, "status = ?, result_json = ?, lease_until = NULL, updated_at = CURRENT_TIMESTAMP",
                Status.FINISHED, Objects.requireNonNull(resultJson, "resultJson"));
    }

    @Override
    public void fail(ClaimedUnit unit, String message) {
        change(unit, "status = ?, message = ?, lease_until = NULL, updated_at = CURRENT_TIMESTAMP", Status.FAILED,
                message);
    }

    @Override
    public void release(ClaimedUnit unit) {
        change(unit, "status = ?, message = ?, lease_until = NULL, updated_at = CURRENT_TIMESTAMP", Status.QUEUED,
                "released by worker " + unit.worker() + " (attempt " + unit.attempt() + ")");
    }

    @Override
    public int retryFailed(String queue) {
        requireName(queue);
        return jdbc.update("UPDATE work_unit SET status = ?, message = CONCAT('retried; it had failed: ', message), "
                + "updated_at = CURRENT_TIMESTAMP WHERE queue = ? AND status = ?", Status.QUEUED, queue, Status.FAILED);
    }

    @Override
    public List<Unit> units(String queue) {
        return jdbc.list("SELECT " + COLUMNS + " FROM work_unit WHERE queue = ? ORDER BY id", JdbcWorkQueue::read, queue);
    }

    @Override
    public List<String> queues() {
        return jdbc.list("SELECT DISTINCT queue FROM work_unit ORDER BY queue", rs -> rs.getString(1));
    }

    /** Puts units of {@code queue} whose lease ran out back in the queue, or fails those out of attempts. */
    private void expireLeases(String queue) {
        record Expired(long id, int attempts, String worker) {}
        for (Expired e : jdbc.list("SELECT id, attempts, worker FROM work_unit WHERE queue = ? AND status = ? "
                + "AND lease_until < CURRENT_TIMESTAMP FOR UPDATE SKIP LOCKED",
                rs -> new Expired(rs.getLong(1), rs.getInt(2), rs.getString(3)), queue, Status.RUNNING)) {
            boolean exhausted = e.attempts() >= MAX_ATTEMPTS;
            jdbc.update("UPDATE work_unit SET status = ?, message = ?, lease_until = NULL, updated_at = CURRENT_TIMESTAMP"
                    + " WHERE id = ?", exhausted ? Status.FAILED : Status.QUEUED, "lease expired (attempt "
                    + e.attempts() + " of " + MAX_ATTEMPTS + ", worker " + e.worker() + ")", e.id());
        }
    }

    /** Runs {@code UPDATE work_unit SET <assignments>} on the unit's row while the claim still holds it, or throws. */
    private void change(ClaimedUnit unit, String assignments, Object... values) {
        Object[] params = new Object[values.length + 3];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = unit.id();
        params[values.length + 1] = unit.attempt();
        params[values.length + 2] = Status.RUNNING;
        jdbc.retrying(() -> {
            if (jdbc.update("UPDATE work_unit SET " + assignments + HELD, params) == 0) {
                throw lost(unit);
            }
            return null;
        });
    }

    /** Says who has the unit now, on one line. */
    private LeaseLostException lost(ClaimedUnit unit) {
        String now = jdbc.one("SELECT " + COLUMNS + " FROM work_unit WHERE id = ?", JdbcWorkQueue::read, unit.id())
                .map(u -> u.status() == Status.RUNNING ? "worker " + u.worker() + " holds it (attempt " + u.attempts() + ")"
                        : "it is " + u.status() + (u.message() == null ? "" : " (" + u.message() + ")"))
                .orElse("it was deleted");
        return new LeaseLostException("lost the lease on unit '" + unit.key() + "' of queue " + unit.queue()
                + " (attempt " + unit.attempt() + "): " + now);
    }

    private static double seconds(Duration lease) {
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive: " + lease);
        }
        return lease.toNanos() / 1e9;
    }

    private static void requireName(String name) {
        if (Objects.requireNonNull(name).isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("queue and worker names must be 1 to 200 characters: '" + name + "'");
        }
    }

    private static Unit read(ResultSet rs) throws SQLException {
        return new Unit(rs.getLong("id"), rs.getString("queue"), rs.getString("unit_key"), rs.getString("payload_json"),
                Status.of(rs.getString("status")), rs.getInt("attempts"), rs.getString("worker"),
                rs.getObject("heartbeat_at") == null ? null : instant(rs, "heartbeat_at"), rs.getString("result_json"),
                rs.getString("message"));
    }
}
