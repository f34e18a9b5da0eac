package dev.heterolora.cli;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.PeakMemory;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.proxies.NaivePass;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.proxies.ProxyBatches;
import dev.heterolora.proxies.SiteStatistics;
import dev.heterolora.proxies.ZeroCostProxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora bench proxies}: the shared pass (one forward+backward per minibatch for all sites and ranks)
 * against the naive path (one forward+backward per candidate plan), on random data of the model's vocabulary, with
 * the device's peak memory. The shared pass is the work of {@code peer.py proxy}, timed as it times it: the JVM's
 * first pass (cold: kernels loaded, allocator filled) apart from the median of the passes after it (warm).
 */
@Command(name = "proxies", description = "Seconds of the shared proxy pass, candidate fitnesses per second, the "
        + "naive one-pass-per-candidate path for comparison, and peak memory.")
final class BenchProxiesCommand implements Callable<Integer> {
    /** The largest rank of the shared pass's adapters (and of the candidates' ranks). */
    private static final int MAX_RANK = 64;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--batches", defaultValue = "4", description = "proxy minibatches (default: ${DEFAULT-VALUE})")
    int batches;

    @Option(names = "--batch-size", defaultValue = "8", description = "rows per minibatch (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--seq", defaultValue = "64", description = "tokens per row (default: ${DEFAULT-VALUE})")
    int seq;

    @Option(names = "--candidates", defaultValue = "20000",
            description = "plans scored from the statistics (default: ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--naive", defaultValue = "10", description = "plans run the naive way (default: ${DEFAULT-VALUE})")
    int naive;

    @Option(names = "--passes", defaultValue = "4",
            description = "shared passes: the first is cold, the median of the others warm (default: ${DEFAULT-VALUE})")
    int passes;

    @Option(names = "--no-shortcuts", description = "only the projection sites (PEFT's 7 per layer: the peer's work)")
    boolean noShortcuts;

    @Option(names = "--json", description = "one JSON line per model instead of the table")
    boolean json;

    @Spec
    CommandSpec spec;

    private record Row(String name, int sites, double coldSeconds, double warmSeconds, double tableRate,
                       double naiveRate, long peakBytes) {}

    @Override
    public Integer call() {
        if (batches < 1 || batchSize < 1 || seq < 2 || candidates < 1 || naive < 1 || passes < 2) {
            throw new HeteroloraException("--batches, --batch-size, --candidates, --naive must be >= 1, --seq >= 2, "
                    + "--passes >= 2");
        }
        List<Row> rows = BenchCommand.eachModel(modelOptions, seq, this::measure);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            BenchCommand.printJson(out, rows, this::fields);
            return 0;
        }
        out.printf("%-18s %6s %12s %12s %16s %18s %14s %12s%n", "model", "sites", "pass cold s", "warm s",
                "fitness/s (table)", "fitness/s (naive)", "speed-up", "peak MiB");
        for (Row r : rows) {
            out.printf("%-18s %6d %12.3f %12.3f %16.0f %18.2f %13.0f× %12s%n", r.name(), r.sites(), r.coldSeconds(),
                    r.warmSeconds(), r.tableRate(), r.naiveRate(), r.tableRate() / r.naiveRate(),
                    PeakMemory.mib(r.peakBytes()));
        }
        out.printf("shared pass: the first of %d passes (cold) and the median of the other %d (warm)%n", passes,
                passes - 1);
        out.println("peak: " + PeakMemory.what(modelOptions.compute().device()) + ", from before the model loads");
        return 0;
    }

    private Map<String, Object> fields(Row r) {
        Map<String, Object> m = BenchCommand.header("proxies", r.name(), modelOptions.compute());
        m.put("sites", r.sites());
        m.put("lora_rank", MAX_RANK);
        m.put("batches", batches);
        m.put("batch", batchSize);
        m.put("seq", seq);
        m.put("passes", passes);
        m.put("shared_pass_s_cold", r.coldSeconds());
        m.put("shared_pass_s_warm", r.warmSeconds());
        m.put("table_fitness_per_s", Math.round(r.tableRate()));
        m.put("naive_fitness_per_s", r.naiveRate());
        m.put("peak_mib", BenchCommand.mib(r.peakBytes()));
        return m;
    }

    private Row measure(String name, CausalLM lm, PeakMemory memory) {
        SplittableRandom rng = new SplittableRandom(7);
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < batches * batchSize; i++) {
            int[] r = new int[seq];
            for (int j = 0; j < seq; j++) {
                r[j] = rng.nextInt(lm.config().vocabSize());
            }
            rows.add(r);
        }
        List<List<int[]>> data = ProxyBatches.select(rows, batches, batchSize, 1);
        List<AdapterSite> sites = lm.config().sites(!noShortcuts);
        int[] max = sites.stream().mapToInt(s -> Math.min(MAX_RANK, lm.config().siteShape(s.kind()).maxRank()))
                .toArray();
        List<AdapterPlan> plans = new ArrayList<>();
        for (int k = 0; k < candidates; k++) {
            TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
            for (int i = 0; i < sites.size(); i++) {
                int level = rng.nextInt(8);
                if (level > 0 && (1 << (level - 1)) <= max[i]) {
                    int r = 1 << (level - 1);
                    m.put(sites.get(i), new SiteAdapter(r, 2.0 * r));
                }
            }
            plans.add(new AdapterPlan(m));
        }
        double[] seconds = new double[passes];
        for (int p = 0; p < passes - 1; p++) {
            try (SiteStatistics stats = SiteStatistics.compute(lm, sites, max, data, 1)) {
                seconds[p] = stats.seconds();
            }
        }
        double tableRate;
        try (SiteStatistics stats = SiteStatistics.compute(lm, sites, max, data, 1)) {
            memory.sample();
            seconds[passes - 1] = stats.seconds();
            PlanScorer scorer = new PlanScorer(stats, lm.config(), List.of(ZeroCostProxy.GRADNORM), false, null, 1);
            long t0 = System.nanoTime();
            double sink = 0;
            for (AdapterPlan p : plans) {
                sink += scorer.raw(ZeroCostProxy.GRADNORM, p);
            }
            tableRate = candidates / ((System.nanoTime() - t0) / 1e9);
            if (Double.isNaN(sink)) {
                throw new IllegalStateException("NaN proxy");
            }
        }
        long t0 = System.nanoTime();
        for (int k = 0; k < naive; k++) {
            NaivePass.gradNorm(lm, plans.get(k), data);
        }
        double naiveRate = naive / ((System.nanoTime() - t0) / 1e9);
        double[] warm = Arrays.copyOfRange(seconds, 1, passes);
        Arrays.sort(warm);
        double median = warm.length % 2 == 1 ? warm[warm.length / 2]
                : (warm[warm.length / 2 - 1] + warm[warm.length / 2]) / 2;
        return new Row(name, sites.size(), seconds[0], median, tableRate, naiveRate, memory.peakBytes());
    }
}
