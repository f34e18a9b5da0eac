package dev.heterolora.app;

import dev.heterolora.studies.ClaimedUnit;
import dev.heterolora.studies.LeaseLostException;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.Worker;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A run that cooperating workers share (a validation, a refine stage) as this process sees it: the unit it holds
 * (given back at once on SIGTERM, so nobody waits out its lease) and how many other workers hold units of the run's
 * queues. While any do, the run is theirs to end: neither this worker's interruption nor its error ends it.
 */
final class SharedRun {
    private final StudyStorage db;
    private final List<String> queues;
    private final String me = Worker.defaultName();
    private final AtomicReference<ClaimedUnit> held = new AtomicReference<>();
    private volatile long runId;

    /** @param queues the queues whose units belong to the run (their running units count as other workers) */
    SharedRun(StudyStorage db, List<String> queues) {
        this.db = db;
        this.queues = List.copyOf(queues);
    }

    /** This worker's name on the units it claims. */
    String me() {
        return me;
    }

    /** The run, once it is known (0 before). */
    long runId() {
        return runId;
    }

    void runId(long id) {
        runId = id;
    }

    /** Does {@code work} on {@code unit}, which a SIGTERM meanwhile gives back. */
    String holding(ClaimedUnit unit, Supplier<String> work) {
        held.set(unit);
        try {
            return work.get();
        } finally {
            held.set(null);
        }
    }

    /** How many other workers hold a unit of the run. */
    long others() {
        return queues.stream().flatMap(q -> db.workQueue().units(q).stream())
                .filter(u -> u.status() == Status.RUNNING && !me.equals(u.worker())).map(Unit::worker)
                .distinct().count();
    }

    /** What leaving found: whether a held unit went back to the queue, and how many other workers go on. */
    record Left(boolean gaveBack, long others) {}

    /**
     * SIGTERM: gives the held unit back and, when no other worker holds a unit of the run, marks the run
     * interrupted (if it is still running).
     */
    Left leave() {
        ClaimedUnit unit = held.getAndSet(null);
        if (unit != null) {
            try {
                db.workQueue().release(unit);
            } catch (LeaseLostException e) {
                // its lease had run out and another worker has it: nothing to give back
            }
        }
        long others = others();
        if (others == 0 && db.run(runId).map(Run::status).orElse(null) == Status.RUNNING) {
            db.finishRun(runId, Status.INTERRUPTED, "interrupted");
        }
        return new Left(unit != null, others);
    }

    /** "N other worker(s)", as the lines of a leaving worker say it. */
    static String workers(long n) {
        return n + " other worker" + (n == 1 ? "" : "s");
    }
}
