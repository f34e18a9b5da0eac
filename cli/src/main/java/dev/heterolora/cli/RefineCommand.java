package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.app.RefineStage;
import dev.heterolora.app.SearchConfig;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.WorkQueue;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora refine}: the refine stage of a study ({@link RefineStage}) as a command of its own, so that
 * other processes, on this machine or others, can join the stage a {@code search --refine N} is running (they share
 * its trainings through the study's work queue), resume one whose processes died, or refine a finished study that
 * was searched without {@code --refine}. It uses the settings {@code search --refine N} uses.
 */
@Command(name = "refine", description = "Run, join or resume the refine stage of a study (successive halving of its "
        + "top plans and the baselines by short SFT trainings); several processes share its trainings.",
        footer = {"", "Examples:", "  heterolora refine --study 3                  # the stage of 'search --refine N'",
                "  heterolora refine --study lr-sweep --candidates 8",
                "  heterolora refine --study 3 --db jdbc:postgresql://db/hl   # on each machine: they share it"})
final class RefineCommand implements Callable<Integer> {
    /** Candidates when neither the flag nor the study's {@code search --refine N} says. */
    private static final int DEFAULT_CANDIDATES = 4;

    @Mixin
    StoreOptions store;

    @Mixin
    ModelOptions compute;

    @Option(names = "--study", required = true, paramLabel = "ID|NAME", description = "the study")
    String study;

    @Option(names = "--candidates", paramLabel = "N", description = "top plans to refine (default: the study's "
            + "search --refine N, else " + DEFAULT_CANDIDATES + ")")
    Integer candidates;

    @Option(names = "--steps", paramLabel = "N", description = "SFT steps at the last rung (default: "
            + "${DEFAULT-VALUE}, as search --refine N; joining that stage needs the same)", defaultValue = "200")
    int steps;

    @Mixin
    LeaseOption lease;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Duration leaseTime = lease.lease();
        try (StudyStore db = store.open()) {
            Study s = StudyRef.find(db, study);
            SearchConfig config = SearchConfig.fromJson(Json.read(s.configJson()));
            RefineStage.Request d = RefineStage.Request.defaults(candidates != null ? candidates
                    : config.refine() > 0 ? config.refine() : DEFAULT_CANDIDATES);
            RefineStage.Request request = new RefineStage.Request(d.candidates(), steps, d.learningRate(),
                    d.batchSize(), d.heldOut(), d.eta());
            String queue = request.queue(s.id());
            WorkQueue work = db.workQueue();
            if (s.status() != Status.FINISHED && work.units(queue).isEmpty() && work.units(queue + ":run").isEmpty()) {
                throw new HeteroloraException("study " + s.id() + " is " + s.status() + " and has no refine stage "
                        + "with these settings to join: refine a finished study, or join the stage of a running "
                        + "'search --refine N' with the same N");
            }
            RefineStage.Outcome o = RefineStage.join(db, s.id(), config, request, leaseTime,
                    compute.compute(), System.err);
            print(spec.commandLine().getOut(), s.id(), o);
        }
        return 0;
    }

    private void print(PrintWriter out, long studyId, RefineStage.Outcome o) {
        RefineStage.Entry w = o.winner();
        if (json) {
            ObjectNode j = Json.object().put("study", studyId).put("run", o.runId()).put("trained_here", o.trainedHere())
                    .put("winner", w.label()).put("params", w.params())
                    .put("loss", w.losses().get(w.losses().size() - 1));
            j.set("plan", w.plan().toJson());
            ArrayNode entries = j.putArray("entries");
            o.entries().forEach(e -> {
                ArrayNode losses = entries.addObject().put("label", e.label()).put("params", e.params())
                        .putArray("losses");
                e.losses().forEach(l -> losses.add(l.doubleValue()));
            });
            out.println(j);
            return;
        }
        out.printf("refine stage of study %d (run %d; %d trainings by this process), held-out loss on a split of the "
                + "training data, by rung:%n", studyId, o.runId(), o.trainedHere());
        o.entries().forEach(e -> out.printf("  %-16s %,9d params  %s%n", e.label(), e.params(), e.losses().stream()
                .map(l -> String.format("%.4f", l)).collect(Collectors.joining(" → "))));
        out.printf("train --best --study %d trains the winner: %s (%,d parameters)%n", studyId, w.label(), w.params());
    }
}
