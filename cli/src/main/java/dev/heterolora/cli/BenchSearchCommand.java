package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.app.SearchJob;
import dev.heterolora.app.SearchProgress;
import dev.heterolora.app.SearchRequest;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.search.SearchBenchmark;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora bench search}: how fast and how close each strategy gets to the exact optimum on a 32-layer
 * Llama-shaped space (351 sites, deterministic synthetic per-site scores), and the time to reach 99.5 % of it; with
 * {@code --end-to-end}, the search as {@code heterolora search} runs it (model, shared proxy pass, every trial
 * committed to a real study database) several times in one JVM, so the first, cold run and the warm ones show
 * apart: the search loop's seconds and plans per second, and the trials found stored.
 */
@Command(name = "search", description = {"Strategies against the exact optimum on Llama-7B's 351-site space: %% of "
        + "the optimum, evaluations and seconds, and the time to reach 99.5%% of it.",
        "--end-to-end: the search as `heterolora search` runs it (the embedded world or --model/--data, the shared "
                + "proxy pass, trials committed to a fresh H2 file or --db), --runs times in one JVM: evaluations, "
                + "trials stored, search-loop seconds and plans/s, and the whole job's seconds."})
final class BenchSearchCommand implements Callable<Integer> {
    @Option(names = "--strategies", split = ",", description = "strategies (default: auto,ga; ga with --end-to-end)")
    List<String> strategies;

    @Option(names = "--seeds", split = ",", description = "seeds (default: 0,1,2; 0 with --end-to-end)")
    List<Long> seeds;

    @Option(names = "--budgets", split = ",", description = "budget fractions (default: 0.001,0.002,0.005; 0.002 "
            + "with --end-to-end)")
    List<Double> budgets;

    @Option(names = "--end-to-end", description = "run the search as `heterolora search` does, with its study database")
    boolean endToEnd;

    @Option(names = "--runs", defaultValue = "3", description = "with --end-to-end: runs of each strategy, seed and "
            + "budget in this JVM, the first one cold (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--generations", description = "with --end-to-end: the GA's generation limit (default: search's)")
    Integer generations;

    @Option(names = "--steady", description = "with --end-to-end: the GA's steady-fitness limit (default: search's)")
    Integer steady;

    @ArgGroup(validate = false, heading = "%nWith --end-to-end, the model and device:%n", order = 1)
    ModelOptions model = new ModelOptions();

    @ArgGroup(validate = false, heading = "%nWith --end-to-end, the proxy data:%n", order = 2)
    SearchOptions.ProxyData proxyData = new SearchOptions.ProxyData();

    @ArgGroup(validate = false, heading = "%nWith --end-to-end, storage (default: a fresh H2 file, deleted after):%n",
            order = 3)
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "print JSON rows")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return endToEnd ? endToEnd() : synthetic();
    }

    private int synthetic() {
        PrintWriter out = spec.commandLine().getOut();
        List<SearchBenchmark.Row> rows = SearchBenchmark.run(orElse(strategies, SearchBenchmark.DEFAULT_STRATEGIES),
                orElse(seeds, SearchBenchmark.DEFAULT_SEEDS), orElse(budgets, SearchBenchmark.DEFAULT_BUDGETS));
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

    /** One end-to-end search: what it evaluated, what the database holds after it, and its times. */
    private record Run(String strategy, long seed, double budgetFraction, int run, int evaluations, int stored,
                       double searchSeconds, double plansPerSecond, double seconds) {}

    private int endToEnd() {
        if (runs < 1) {
            throw new HeteroloraException("--runs must be at least 1, got " + runs);
        }
        Path home = store.home();
        Path scratch = null;
        List<Run> rows = new ArrayList<>();
        try {
            String url = store.db;
            if (url == null) {
                scratch = Files.createTempDirectory("heterolora-bench-search");
                url = "jdbc:h2:file:" + scratch.resolve("studies");
            }
            try (StudyStore db = StudyDatabase.at(url, home).open()) {
                for (double budget : orElse(budgets, List.of(0.002))) {
                    for (long seed : orElse(seeds, List.of(0L))) {
                        for (String strategy : orElse(strategies, List.of("ga"))) {
                            for (int run = 1; run <= runs; run++) {
                                SearchJob.Outcome o = SearchJob.start(db, request(strategy, seed, budget), home,
                                        model.compute(), SearchProgress.NONE, System.err);
                                rows.add(new Run(strategy, seed, budget, run, o.result().evaluations(),
                                        db.trialCount(o.studyId()), o.searchSeconds(), o.plansPerSecond(),
                                        o.seconds()));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot make a scratch study database: " + e.getMessage());
        } finally {
            delete(scratch);
        }
        print(rows);
        return 0;
    }

    private void print(List<Run> rows) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (Run r : rows) {
                arr.addObject().put("mode", "end-to-end").put("strategy", r.strategy()).put("seed", r.seed())
                        .put("budget_fraction", r.budgetFraction()).put("run", r.run())
                        .put("evaluations", r.evaluations()).put("stored", r.stored())
                        .put("search_seconds", r.searchSeconds()).put("plans_per_second", r.plansPerSecond())
                        .put("seconds", r.seconds());
            }
            out.println(arr);
            return;
        }
        out.printf("%-8s %4s %7s %4s %11s %9s %9s %9s %9s%n", "strategy", "seed", "budget", "run", "evaluations",
                "stored", "loop s", "plans/s", "job s");
        for (Run r : rows) {
            out.printf("%-8s %4d %6.2f%% %4d %,11d %,9d %9.3f %,9.0f %9.2f%n", r.strategy(), r.seed(),
                    100 * r.budgetFraction(), r.run(), r.evaluations(), r.stored(), r.searchSeconds(),
                    r.plansPerSecond(), r.seconds());
        }
    }

    /** What {@code heterolora search} builds from its default flags, with this row's strategy, seed and budget. */
    private SearchRequest request(String strategy, long seed, double budget) {
        SearchSettings d = SearchSettings.defaults(seed);
        SearchSettings settings = new SearchSettings(seed, d.population(),
                generations != null ? generations : d.generations(), steady != null ? steady : d.steadyGenerations(),
                d.samples(), d.topkRank(), d.topkFraction());
        SearchOptions.ProxyData p = proxyData;
        return new SearchRequest(model.model, p.data, String.valueOf(budget), strategy,
                List.of(SearchOptions.PROXY), false, SearchOptions.RANKS, SearchOptions.SITES, false,
                SearchOptions.ALPHA, p.proxyBatches, p.proxyBatchSize, p.maxLength, p.probeStep, settings, 0);
    }

    private static <T> List<T> orElse(List<T> given, List<T> otherwise) {
        return given != null ? given : otherwise;
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
