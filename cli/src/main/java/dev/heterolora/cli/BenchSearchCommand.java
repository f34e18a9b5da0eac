package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.search.SearchBenchmark;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code heterolora bench search}: how fast and how close each strategy gets to the exact optimum on a 32-layer
 * Llama-shaped space (351 sites, deterministic synthetic per-site scores), and the time to reach 99.5 % of it.
 */
@Command(name = "search", description = "Strategies against the exact optimum on Llama-7B's 351-site space: % of "
        + "the optimum, evaluations and seconds, and the time to reach 99.5%% of it.")
final class BenchSearchCommand implements Callable<Integer> {
    @Option(names = "--strategies", split = ",", defaultValue = "auto,ga", description = "strategies (default: "
            + "${DEFAULT-VALUE})")
    List<String> strategies;

    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", description = "seeds (default: ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = "--budgets", split = ",", defaultValue = "0.001,0.002,0.005", description = "budget fractions "
            + "(default: ${DEFAULT-VALUE})")
    List<Double> budgets;

    @Option(names = "--json", description = "print JSON rows")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<SearchBenchmark.Row> rows = SearchBenchmark.run(strategies, seeds, budgets);
        if (json) {
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (SearchBenchmark.Row r : rows) {
                ObjectNode o = arr.addObject().put("strategy", r.strategy()).put("seed", r.seed())
                        .put("budget_fraction", r.budgetFraction()).put("budget", r.budget()).put("sites", r.sites())
                        .put("optimum", r.optimum()).put("best", r.best()).put("percent_of_optimum",
                                r.percentOfOptimum()).put("evaluations", r.evaluations()).put("seconds", r.seconds());
                r.evaluationsToTarget().ifPresent(v -> o.put("evaluations_to_99_5", v));
                r.secondsToTarget().ifPresent(v -> o.put("seconds_to_99_5", v));
                o.set("quality", r.quality().toJson());
            }
            out.println(arr);
            return 0;
        }
        out.printf("%-8s %4s %7s %5s %9s %11s %12s %11s%n", "strategy", "seed", "budget", "sites", "% of opt",
                "evaluations", "seconds", "s to 99.5%");
        for (SearchBenchmark.Row r : rows) {
            out.printf("%-8s %4d %6.2f%% %5d %9.3f %,11d %12.2f %11s%n", r.strategy(), r.seed(),
                    100 * r.budgetFraction(), r.sites(), r.percentOfOptimum(), r.evaluations(), r.seconds(),
                    r.secondsToTarget().isPresent() ? String.format("%.2f", r.secondsToTarget().getAsDouble()) : "—");
        }
        return 0;
    }
}
