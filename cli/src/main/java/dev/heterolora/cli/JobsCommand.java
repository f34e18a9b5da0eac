package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.heterolora.app.Json;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.WorkQueue;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora jobs}: the units of work that cooperating workers share (see {@link WorkQueue}): every queue with
 * its counts by status, or one queue's units with who holds them and since when.
 */
@Command(name = "jobs", description = "Show the work queues that cooperating workers share (--queue: its units).")
final class JobsCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Option(names = "--queue", paramLabel = "NAME", description = "list this queue's units")
    String queue;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (StudyStore db = store.open()) {
            WorkQueue work = db.workQueue();
            if (queue != null) {
                List<Unit> units = work.units(queue);
                if (units.isEmpty()) {
                    throw new HeteroloraException("no queue named '" + queue + "' (queues: "
                            + String.join(", ", work.queues()) + ")");
                }
                printUnits(out, units);
            } else {
                printQueues(out, work);
            }
        }
        return 0;
    }

    private void printQueues(PrintWriter out, WorkQueue work) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        List<String> queues = work.queues();
        // queue names carry their settings (study:3:refine:c4-s200-…): the column is as wide as the longest
        String line = "%-" + queues.stream().mapToInt(String::length).reduce(5, Math::max) + "s %7s %7s %8s %7s %11s%n";
        if (!json) {
            out.printf(line, "queue", "queued", "running", "finished", "failed", "interrupted");
        }
        for (String name : queues) {
            Map<Status, Long> counts = work.units(name).stream()
                    .collect(Collectors.groupingBy(Unit::status, Collectors.counting()));
            Function<Status, Long> count = s -> counts.getOrDefault(s, 0L);
            if (json) {
                var row = arr.addObject().put("queue", name);
                Arrays.stream(Status.values()).forEach(s -> row.put(s.text(), count.apply(s)));
            } else {
                out.printf(line, name, count.apply(Status.QUEUED),
                        count.apply(Status.RUNNING), count.apply(Status.FINISHED), count.apply(Status.FAILED),
                        count.apply(Status.INTERRUPTED));
            }
        }
        if (json) {
            out.println(arr);
        }
    }

    private void printUnits(PrintWriter out, List<Unit> units) {
        if (json) {
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (Unit u : units) {
                arr.addObject().put("key", u.key()).put("status", u.status().text()).put("attempts", u.attempts())
                        .put("worker", u.worker()).put("heartbeat", u.heartbeatAt() == null ? null
                                : u.heartbeatAt().toString()).put("message", u.message());
            }
            out.println(arr);
            return;
        }
        out.printf("%-30s %-11s %8s %-28s %-30s %s%n", "key", "status", "attempts", "worker", "heartbeat", "message");
        for (Unit u : units) {
            out.printf("%-30s %-11s %8d %-28s %-30s %s%n", u.key(), u.status(), u.attempts(),
                    u.worker() == null ? "-" : u.worker(), u.heartbeatAt() == null ? "-" : u.heartbeatAt(),
                    u.message() == null ? "" : u.message());
        }
    }
}
