package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.WorkQueue;
import dev.heterolora.studies.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The two steps every cooperating job takes around {@link Worker#drain} (experiments, the refine stage): enqueue its
 * plan of units while checking that the workers already on the queue were started with the same settings, and do
 * a step exactly once among all workers (create the run that holds the results, store a table), every worker
 * getting back what the one that did it recorded.
 */
final class SharedWork {
    private SharedWork() {}

    /**
     * Enqueues {@code units} (idempotent by key) and checks that every one of them is stored with the same payload:
     * a worker started with other settings than those already on the queue would otherwise mix two experiments.
     *
     * @param what names the shared work in the one-line error, e.g. {@code experiment rlhf 'paper'}
     * @throws HeteroloraException (one line) if a stored unit has another payload
     */
    static void enqueue(WorkQueue work, String queue, List<NewUnit> units, String what) {
        work.enqueue(queue, units);
        Map<String, String> stored = work.units(queue).stream()
                .collect(Collectors.toMap(Unit::key, Unit::payloadJson));
        for (NewUnit u : units) {
            if (!Json.read(stored.get(u.key())).equals(Json.read(u.payloadJson()))) {
                throw new HeteroloraException(what + " was started with other settings (unit '" + u.key() + "' is "
                        + stored.get(u.key()) + ", this command has " + u.payloadJson() + "): run it with the same "
                        + "flags, or under another name");
            }
        }
    }

    /**
     * Does {@code step} in exactly one of the workers that call this with the same {@code queue} (a queue of one
     * unit): the others wait until it is done; a worker that dies while doing it leaves it to another after
     * {@code lease}. Called again once done, it does nothing.
     *
     * @return the result JSON the step was completed with
     * @throws HeteroloraException (one line) if the step failed
     */
    static JsonNode once(WorkQueue work, String queue, Duration lease, Supplier<String> step) {
        work.enqueue(queue, List.of(new NewUnit("once", "{}")));
        new Worker(work, Worker.defaultName(), lease).drain(queue, unit -> step.get());
        Unit u = work.units(queue).get(0);
        if (u.status() != Status.FINISHED) {
            throw new HeteroloraException(queue + ": " + u.message());
        }
        return Json.read(u.resultJson());
    }

    /** Whether the step of {@code queue} ({@link #once}) has been done. */
    static boolean done(WorkQueue work, String queue) {
        return work.units(queue).stream().anyMatch(u -> u.status() == Status.FINISHED);
    }

    /** The finished units of a queue whose keys start with {@code prefix}, by key, as {@code read} makes them. */
    static <T> Map<String, T> finished(WorkQueue work, String queue, String prefix, Function<Unit, T> read) {
        return work.units(queue).stream().filter(u -> u.status() == Status.FINISHED && u.key().startsWith(prefix))
                .collect(Collectors.toMap(Unit::key, read));
    }
}
