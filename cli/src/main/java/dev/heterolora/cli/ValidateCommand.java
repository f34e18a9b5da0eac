package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.app.ValidationJob;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
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
 * {@code heterolora validate}: do the proxies predict anything? Trains plans spread over a study's fitness range
 * (plus the uniform baseline at the same budget) briefly with the same data order and seed, measures the held-out
 * loss (and oracle accuracy on the embedded world), and reports each proxy's rank correlation with the result, with
 * bootstrap intervals and the regret of its top pick. The same command run in several processes against one
 * database shares the plans of one validation run (see {@link ValidationJob}).
 */
@Command(name = "validate", description = "Train N plans of a study briefly and measure how well each proxy's "
        + "ranking predicts the trained result (Spearman, Kendall, bootstrap CI, regret).",
        footer = {"", "Examples:", "  heterolora validate                          # 8 plans of the latest study",
                "  heterolora validate --study 3 --sample 12 --steps 120",
                "  heterolora validate --resume 17                # continue an interrupted run",
                "  heterolora validate --study 3 --db jdbc:postgresql://db/hl   # on each machine: they share the plans"})
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Mixin
    ModelOptions compute;

    @Option(names = "--study", paramLabel = "ID|NAME", description = "study id or name (default: the latest finished)")
    String study;

    @Option(names = "--sample", defaultValue = "8", description = "plans to train (default: ${DEFAULT-VALUE})")
    int sample;

    @Option(names = "--steps", defaultValue = "60", description = "SFT steps per plan (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--lr", defaultValue = "1e-3", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch-size", defaultValue = "16", description = "rows per step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--held-out", defaultValue = "200", description = "held-out examples (default: ${DEFAULT-VALUE})")
    int heldOut;

    @Option(names = "--resume", paramLabel = "RUN", description = "continue a validation run with its stored settings")
    Long resume;

    @Mixin
    LeaseOption lease;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // the numbers are checked before the database is opened: a bad one creates nothing
        ValidationJob.Request numbers = new ValidationJob.Request(null, sample, steps, lr, batchSize, heldOut, resume,
                lease.lease());
        ProgressBar bar = json ? null : Bars.create("validate", sample + 1L);
        try (StudyStore db = store.open()) {
            ValidationJob.Request request = study == null ? numbers : numbers.withStudy(StudyRef.find(db, study).id());
            ValidationJob.Outcome o = ValidationJob.run(db, request, compute.compute(), (done, total) -> {
                if (bar != null) {
                    bar.maxHint(total);
                    bar.stepTo(done);
                }
            }, System.err);
            Bars.close(bar);
            print(spec.commandLine().getOut(), o, db.validations(o.runId()), db.correlations(o.runId()));
        } finally {
            Bars.close(bar);
        }
        return 0;
    }

    private void print(PrintWriter out, ValidationJob.Outcome outcome, List<Validation> results,
                       List<ValidationCorrelation> corr) {
        if (json) {
            ObjectNode o = Json.object().put("run", outcome.runId()).put("trained_here", outcome.trainedHere());
            o.set("not_trained", Json.MAPPER.valueToTree(outcome.failures()));
            ArrayNode plans = o.putArray("plans");
            results.forEach(v -> plans.addObject().put("label", v.label()).put("params", v.params())
                    .put("trained_loss", v.trainedLoss()).put("oracle_accuracy", v.oracleAccuracy()));
            ArrayNode cs = o.putArray("correlations");
            corr.forEach(c -> cs.addObject().put("proxy", c.proxy()).put("target", c.target())
                    .put("spearman", c.spearman()).put("spearman_low", c.spearmanLow())
                    .put("spearman_high", c.spearmanHigh()).put("kendall", c.kendall())
                    .put("kendall_low", c.kendallLow()).put("kendall_high", c.kendallHigh()).put("regret", c.regret())
                    .put("n", c.n()));
            out.println(o);
            return;
        }
        out.printf("validation run %d: %d plans (%d trained by this worker)%n", outcome.runId(), results.size(),
                outcome.trainedHere());
        outcome.failures().forEach(f -> out.println("not trained: " + f));
        out.printf("%-16s %10s %12s %10s%n", "plan", "params", "held-out loss", "accuracy");
        results.forEach(v -> out.printf("%-16s %,10d %12.4f %10.3f%n", v.label(), v.params(), v.trainedLoss(),
                v.oracleAccuracy()));
        out.printf("%n%-10s %-16s %22s %22s %9s%n", "proxy", "target", "Spearman [95% CI]", "Kendall [95% CI]",
                "regret");
        corr.forEach(c -> out.printf("%-10s %-16s %6.3f [%6.3f,%6.3f] %6.3f [%6.3f,%6.3f] %9.4f%n", c.proxy(),
                c.target(), c.spearman(), c.spearmanLow(), c.spearmanHigh(), c.kendall(), c.kendallLow(),
                c.kendallHigh(), c.regret()));
        out.println("(positive = the proxy ranks plans as training does; regret = result of the proxy's top pick "
                + "minus the best result)");
        if (results.size() < 5) {
            out.printf("warning: %d plans are too few for a rank correlation to mean much; use --sample 8 or more%n",
                    results.size());
        }
        corr.stream().filter(c -> Double.isNaN(c.spearman())).forEach(c -> out.printf("%s vs %s is undefined: "
                + "every plan reached the same %s (train longer, or at a larger budget)%n", c.proxy(), c.target(),
                c.target().replace('_', ' ')));
    }
}
