package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.AllocationExperiment;
import dev.heterolora.app.Json;
import dev.heterolora.results.AllocationTable;
import dev.heterolora.results.AllocationTable.Row;
import dev.heterolora.results.MeanInterval;
import dev.heterolora.studies.StudyStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora experiment allocation}: HeteroLoRA's comparison on the embedded world — every allocation method's
 * plan trained at the same budgets and seeds, compared with PEFT's default LoRA; cells shared by every process that
 * runs the same command against the same database.
 */
@Command(name = "allocation", description = "Uneven vs plain LoRA at equal budgets: each method's plan trained with "
        + "SFT per budget and seed; held-out loss and oracle accuracy with 95%% CIs and the paired difference against "
        + "peft-default. Run the same command in several processes to share the cells.",
        footer = {"%nExamples:", "  heterolora experiment allocation --seeds 3 --steps 300",
                "  heterolora experiment allocation --budgets 1%% --methods peft-default,search-synflow,random"})
final class AllocationCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Mixin
    ModelOptions model;

    @Option(names = "--name", defaultValue = "default", description = "experiment name: the work queue and the "
            + "stored table (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--budgets", split = ",", defaultValue = "0.2%,1%,4%", description = "budgets (default: "
            + "${DEFAULT-VALUE})")
    List<String> budgets;

    @Option(names = "--seeds", defaultValue = "3", description = "seeds per cell (default: ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--methods", split = ",", description = "methods (default: all of "
            + "peft-default, all-linear, topk, search-gradnorm, search-snip, search-fisher, search-synflow, vote, "
            + "search-no-shortcuts, random)")
    List<String> methods;

    @Option(names = "--steps", defaultValue = "300", description = "SFT steps per plan (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--lr", defaultValue = "1e-3", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch-size", defaultValue = "16", description = "rows per step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--held-out", defaultValue = "200", description = "held-out tasks (default: ${DEFAULT-VALUE})")
    int heldOut;

    @Option(names = "--proxy", defaultValue = "snip", description = "proxy of topk and search-no-shortcuts "
            + "(default: ${DEFAULT-VALUE})")
    String proxy;

    @Mixin
    LeaseOption lease;

    @Option(names = "--json", description = "print the table as JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var request = new AllocationExperiment.Request(name, budgets, seeds,
                methods != null ? methods : AllocationExperiment.METHODS, steps, lr, batchSize, heldOut, proxy,
                lease.lease());
        ProgressBar bar = json ? null : Bars.create("allocation", 1);
        try (StudyStore db = store.open()) {
            AllocationExperiment.Outcome o = AllocationExperiment.run(db, store.home(), request, model.compute(),
                    (done, total) -> {
                        if (bar != null) {
                            bar.maxHint(total);
                            bar.stepTo(done);
                        }
                    }, System.err);
            Bars.close(bar);
            print(spec.commandLine().getOut(), o);
        } finally {
            Bars.close(bar);
        }
        return 0;
    }

    private void print(PrintWriter out, AllocationExperiment.Outcome o) {
        if (json) {
            ObjectNode j = Json.object().put("run", o.runId()).put("steps", steps).put("seeds", seeds)
                    .put("cells", o.cells().size()).put("cells_here", o.completedHere()).put("failed_cells", o.failed());
            j.set("table", AllocationTable.toJson(o.rows(), Json.MAPPER));
            out.println(j);
            return;
        }
        out.printf("allocation experiment '%s': %d cells (%d here, %d failed), %d SFT steps each; mean ± 95%% CI "
                + "over seeds; Δ = method − peft-default, paired by seed%n", name, o.cells().size(),
                o.completedHere(), o.failed(), steps);
        out.printf("%-7s %-20s %9s %17s %17s %24s %24s%n", "budget", "method", "params", "held-out loss",
                "accuracy", "Δ loss [95% CI]", "Δ accuracy [95% CI]");
        for (Row r : o.rows()) {
            out.printf("%-7s %-20s %,9.0f %17s %17s %24s %24s%n", r.budget(), r.method(), r.params(),
                    r.loss().format("%.4f"), r.accuracy().format("%.3f"), delta(r.lossVsReference(), "%+.4f"),
                    delta(r.accuracyVsReference(), "%+.3f"));
        }
        out.println("accuracy by task kind (mean over seeds):");
        for (Row r : o.rows()) {
            StringBuilder b = new StringBuilder(String.format("  %-7s %-20s", r.budget(), r.method()));
            r.accuracyByKind().forEach((k, v) -> b.append(String.format(" %s %.3f", k, v.mean())));
            out.println(b);
        }
        o.failures().forEach(f -> out.println("not trained: " + f));
        out.printf("stored as run %d (kind experiment-allocation; config_json holds the table)%n", o.runId());
    }

    private static String delta(MeanInterval m, String pattern) {
        if (m.n() == 0) {
            return "—";
        }
        return String.format(pattern, m.mean()) + (Double.isFinite(m.low())
                ? " [" + String.format(pattern, m.low()) + "," + String.format(pattern, m.high()) + "]" : "");
    }
}
