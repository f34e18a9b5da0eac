package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.ClaimedUnit;
import dev.heterolora.studies.LeaseLostException;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.WorkQueue;
import dev.heterolora.studies.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
     * Enqueues {@code units} (idempotent by key) as the whole group of the queue's units whose keys start with
     * {@code group} (all of them for ""), after and before checking that the group as stored is exactly these
     * units: a worker started with other settings than those already on the queue would otherwise mix two
     * experiments, or add units to one whose result was already stored.
     *
     * @param what names the shared work in the one-line error, e.g. {@code experiment rlhf 'paper'}
     * @throws HeteroloraException (one line) if the stored group has other units or payloads
     */
    static void enqueue(WorkQueue work, String queue, String group, List<NewUnit> units, String what) {
        if (!stored(work, queue, group).isEmpty()) {
            requireSame(work, queue, group, units, what);
        }
        work.enqueue(queue, units);
        requireSame(work, queue, group, units, what);
    }

    private static void requireSame(WorkQueue work, String queue, String group, List<NewUnit> units, String what) {
        Map<String, String> stored = stored(work, queue, group);
        Map<String, String> mine = units.stream().collect(Collectors.toMap(NewUnit::key, NewUnit::payloadJson));
        if (!stored.keySet().equals(mine.keySet())) {
            throw new HeteroloraException(what + " was started with other settings (it has " + stored.size()
                    + " units" + (group.isEmpty() ? "" : " in '" + group.strip() + "'") + ", this command makes "
                    + mine.size() + "): run it with the same flags, or under another name");
        }
        for (NewUnit u : units) {
            if (!Json.read(stored.get(u.key())).equals(Json.read(u.payloadJson()))) {
                throw new HeteroloraException(what + " was started with other settings (unit '" + u.key() + "' is "
                        + stored.get(u.key()) + ", this command has " + u.payloadJson() + "): run it with the same "
                        + "flags, or under another name");
            }
        }
    }

    private static Map<String, String> stored(WorkQueue work, String queue, String group) {
        return work.units(queue).stream().filter(u -> u.key().startsWith(group))
                .collect(Collectors.toMap(Unit::key, Unit::payloadJson));
    }

    /**
     * Does {@code step} in exactly one of the workers that call this with the same {@code queue} (a queue of one
     * unit): the others wait until it is done; a worker that dies while doing it leaves it to another after
     * {@code lease}. Called again once done, it does nothing; called again after the step failed, it tries again.
     *
     * @return the result JSON the step was completed with
     * @throws HeteroloraException (one line) if the step failed
     */
    static JsonNode once(WorkQueue work, String queue, Duration lease, Supplier<String> step) {
        work.enqueue(queue, List.of(new NewUnit("once", "{}")));
        work.retryFailed(queue);
        new Worker(work, Worker.defaultName(), lease).drain(queue, unit -> step.get());
        Unit u = work.units(queue).get(0);
        if (u.status() != Status.FINISHED) {
            throw new HeteroloraException(queue + ": " + u.message());
        }
        return Json.read(u.resultJson());
    }

    /**
     * What a worker interrupted by SIGTERM does with the unit it holds ({@code null}: none): gives it back to
     * {@code queue}, so that a worker takes it at once instead of after its lease, and returns the line to print,
     * e.g. {@code interrupted; experiment rlhf 'paper': LoRA r8 / kl, seed 1 is queued again (resume: the same
     * command)}, or {@code (2 other workers go on)} where others hold units of the queue.
     *
     * @param what names the shared work, e.g. {@code experiment rlhf 'paper'}
     * @param unit names a unit from its payload, e.g. {@code LoRA r8 / kl, seed 1}
     */
    static String leave(WorkQueue work, String queue, ClaimedUnit held, String what,
                        Function<JsonNode, String> unit) {
        if (held == null) {
            return "interrupted; " + what + " held no unit here (resume: the same command)";
        }
        try {
            work.release(held);
        } catch (LeaseLostException e) {
            // it ended meanwhile, or its lease ran out and another worker has it: nothing to give back
        }
        long others = work.units(queue).stream().filter(u -> u.status() == Status.RUNNING).map(Unit::worker)
                .distinct().count();
        return "interrupted; " + what + ": " + unit.apply(Json.read(held.payloadJson())) + " is queued again"
                + (others > 0 ? " (" + SharedRun.workers(others) + " go on)" : " (resume: the same command)");
    }

    /**
     * {@code work} as a worker of this process should see it: it claims nothing once the process is being
     * interrupted ({@link Interruption#stopping()}). A worker's thread that sees its unit end (its child run stopped,
     * its unit given back) would otherwise claim the next one, or the same one again, in the moment before the
     * process halts, and leave it held until its lease ran out.
     */
    static WorkQueue claimingUntilInterrupted(WorkQueue work) {
        return new WorkQueue() {
            @Override
            public void enqueue(String queue, List<NewUnit> units) {
                work.enqueue(queue, units);
            }

            @Override
            public Optional<ClaimedUnit> claim(String queue, String worker, Duration lease) {
                return Interruption.stopping() ? Optional.empty() : work.claim(queue, worker, lease);
            }

            @Override
            public void heartbeat(ClaimedUnit unit, Duration lease) {
                work.heartbeat(unit, lease);
            }

            @Override
            public void complete(ClaimedUnit unit, String resultJson) {
                work.complete(unit, resultJson);
            }

            @Override
            public void fail(ClaimedUnit unit, String message) {
                work.fail(unit, message);
            }

            @Override
            public void release(ClaimedUnit unit) {
                work.release(unit);
            }

            @Override
            public int retryFailed(String queue) {
                return work.retryFailed(queue);
            }

            @Override
            public List<Unit> units(String queue) {
                return work.units(queue);
            }

            @Override
            public List<String> queues() {
                return work.queues();
            }
        };
    }

    /** Whether the step of {@code queue} ({@link #once}) has been done. */
    static boolean done(WorkQueue work, String queue) {
        return work.units(queue).stream().anyMatch(u -> u.status() == Status.FINISHED);
    }
}
