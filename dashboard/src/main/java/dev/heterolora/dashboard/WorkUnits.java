package dev.heterolora.dashboard;

import static dev.heterolora.dashboard.ReadOnlyDatabase.instant;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The work queue: units of work that worker processes share through the database ({@code work_unit}, schema version
 * 4), counted per queue and status and listed a page at a time. A database without the table, or without units,
 * reports that it has none, and the pages hide the queue.
 */
final class WorkUnits {
    private static final String TABLE = "work_unit";

    private final ReadOnlyDatabase db;

    WorkUnits(ReadOnlyDatabase db) {
        this.db = db;
    }

    /** A unit as the queue table lists it (payload and result stay in the database: they can be large). */
    record Unit(long id, String queue, String unitKey, String status, int attempts, String worker,
                Instant heartbeatAt, Instant leaseUntil, String message, Instant createdAt, Instant updatedAt) {}

    /**
     * The queue view.
     *
     * @param queues units per status, by queue name
     * @param units  a page of units, oldest first
     */
    record Queue(long total, Map<String, Map<String, Long>> queues, Paging.Page<Unit> units) {}

    /**
     * The units' counts and a page of them.
     *
     * @param queue  only this queue's units, or null
     * @param status only units of this status, or null
     */
    Queue queue(String queue, String status, Paging paging) {
        if (!db.hasTable(TABLE)) {
            return new Queue(0, Map.of(), paging.page(0, List.of()));
        }
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        record Count(String queue, String status, long n) {}
        for (Count c : db.list("SELECT queue, status, COUNT(*) AS n FROM work_unit GROUP BY queue, status",
                rs -> new Count(rs.getString("queue"), rs.getString("status"), rs.getLong("n")))) {
            counts.computeIfAbsent(c.queue(), k -> new TreeMap<>()).put(c.status(), c.n());
        }
        long total = counts.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
        Where where = new Where().and("queue = ?", queue).and("status = ?", status);
        long matching = db.number("SELECT COUNT(*) FROM work_unit" + where.sql(), where.params());
        List<Unit> units = db.list("SELECT id, queue, unit_key, status, attempts, worker, heartbeat_at, lease_until, "
                + "message, created_at, updated_at FROM work_unit" + where.sql() + " ORDER BY id OFFSET ? ROWS FETCH "
                + "NEXT ? ROWS ONLY", rs -> new Unit(rs.getLong("id"), rs.getString("queue"), rs.getString("unit_key"),
                        rs.getString("status"), rs.getInt("attempts"), rs.getString("worker"),
                        instant(rs, "heartbeat_at"), instant(rs, "lease_until"), rs.getString("message"),
                        instant(rs, "created_at"), instant(rs, "updated_at")), where.params(paging.offset(),
                paging.limit()));
        return new Queue(total, counts, paging.page(matching, units));
    }
}
