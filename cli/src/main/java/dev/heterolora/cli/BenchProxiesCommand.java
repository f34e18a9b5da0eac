package dev.heterolora.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.LoraAdapter;
import dev.heterolora.model.RandomModel;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.model.TokenBatch;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.proxies.ProxyBatches;
import dev.heterolora.proxies.SiteStatistics;
import dev.heterolora.proxies.ZeroCostProxy;
import java.util.ArrayList;
import java.util.List;
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
 * against the naive path (one forward+backward per candidate plan), on random data of the model's vocabulary.
 */
@Command(name = "proxies", description = "Seconds of the shared proxy pass, candidate fitnesses per second, and the "
        + "naive one-pass-per-candidate path for comparison.")
final class BenchProxiesCommand implements Callable<Integer> {
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (batches < 1 || batchSize < 1 || seq < 2 || candidates < 1 || naive < 1) {
            throw new HeteroloraException("--batches, --batch-size, --candidates, --naive must be >= 1, --seq >= 2");
        }
        var out = spec.commandLine().getOut();
        out.printf("%-18s %6s %12s %16s %18s %14s%n", "model", "sites", "shared s", "fitness/s (table)",
                "fitness/s (naive)", "speed-up");
        if (modelOptions.model != null) {
            try (CausalLM lm = HfCheckpoint.load(modelOptions.model, modelOptions.compute())) {
                measure(modelOptions.model.getFileName().toString(), lm, out);
            }
        }
        try (CausalLM lm = RandomModel.create(RandomModel.smallLlama(100, Math.max(256, seq)),
                modelOptions.compute(), 1)) {
            measure("random llama ~1M", lm, out);
        }
        return 0;
    }

    private void measure(String name, CausalLM lm, java.io.PrintWriter out) {
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
        List<AdapterSite> sites = lm.config().sites(true);
        int[] max = sites.stream().mapToInt(s -> Math.min(64, lm.config().siteShape(s.kind()).maxRank())).toArray();
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
        double shared;
        double tableRate;
        try (SiteStatistics stats = SiteStatistics.compute(lm, sites, max, data, 1)) {
            shared = stats.seconds();
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
            naiveGradNorm(lm, plans.get(k), data);
        }
        double naiveRate = naive / ((System.nanoTime() - t0) / 1e9);
        out.printf("%-18s %6d %12.3f %16.0f %18.2f %13.0f×%n", name, sites.size(), shared, tableRate, naiveRate,
                tableRate / naiveRate);
    }

    /** What the shared pass replaces: install the plan and back-propagate every minibatch through it. */
    private static double naiveGradNorm(CausalLM lm, AdapterPlan plan, List<List<int[]>> data) {
        lm.applyPlan(plan, 1, 0f);
        double total = 0;
        for (List<int[]> batch : data) {
            try (NDManager scope = lm.manager().newSubManager()) {
                TokenBatch b = TokenBatch.rightPadded(scope, batch, 0);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(LanguageModelLoss.of(lm.logits(b.ids(), b.mask()), b.ids(), b.mask()).mean());
                }
                for (LoraAdapter a : lm.adapters().values()) {
                    NDArray g = a.b().getArray().getGradient();
                    NDArray norm = g.norm();
                    norm.attach(scope);
                    total += norm.getFloat();
                    g.subi(g);
                }
            }
        }
        lm.removeAdapters();
        return total;
    }
}
