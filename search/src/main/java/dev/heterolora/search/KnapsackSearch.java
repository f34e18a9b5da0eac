package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.List;

/**
 * {@code knapsack}: the exact optimum of an additive fitness, the yardstick the GA is measured against. Choosing
 * one rank per site with weight = adapter parameters and value = the site's score at that rank, under the budget,
 * is a multiple-choice knapsack, solved here by dynamic programming over the budget.
 *
 * <p><b>Exact and fast enough.</b> Every adapter costs {@code rank·(in+out)} parameters, so all costs share a large
 * common divisor {@code g} (e.g. 32 on a hidden size of 64, 256 on Llama-2-7B); weights and budget are divided by
 * it (the budget rounded down, which loses nothing as every plan's cost is a multiple of {@code g}). With
 * {@code n} sites, {@code k} ranks and budget {@code B} that takes {@code O(n·k·B/g)} time and {@code n·(B/g+1)}
 * bytes for the choice table: for Llama-2-7B's shapes at 0.2% (351 sites, 8 ranks, B/g ≈ 50 600) about 18 MB and
 * half a second on one core. Tables above {@value #MAX_CELLS} cells are refused with a message instead of running
 * out of memory.
 * Among plans of equal value the DP keeps lower ranks (earlier choices win ties), so the answer is deterministic.
 *
 * <p>Needs the fitness's additive part ({@link PlanFitness#additive()}); the chosen plan is then evaluated once
 * with the full fitness.
 */
public record KnapsackSearch() implements Strategy {

    /** Largest choice table (sites × scaled budget cells, one byte each) the strategy will build. */
    static final long MAX_CELLS = 1L << 28;

    @Override
    public String name() {
        return "knapsack";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        int[] optimum = optimum(space, SiteScoreTable.require(this, space, fitness));
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        List<ScoredPlan> scored = recorder.evaluate(List.of(optimum), 0);
        return recorder.result(name(), scored.getFirst(), List.of(recorder.stats(scored, 1.0)));
    }

    /** The genotype within budget maximising the table's total score. */
    static int[] optimum(SearchSpace space, SiteScoreTable table) {
        int n = space.size();
        long unit = 0;
        for (int s = 0; s < n; s++) {
            if (space.rankCount(s) > 256) {
                throw new HeteroloraException("knapsack supports at most 255 ranks per site");
            }
            for (int i = 1; i < space.rankCount(s); i++) {
                unit = gcd(unit, space.cost(s, i));
            }
        }
        long capacity = space.budget() / unit;
        if (capacity + 1 > MAX_CELLS / n) {
            throw new HeteroloraException("knapsack table of " + n + " sites × " + (capacity + 1)
                    + " budget steps is too large; use --strategy ga");
        }
        int width = (int) capacity + 1;
        double[] best = new double[width];
        double[] next = new double[width];
        byte[][] choice = new byte[n][width];
        for (int s = 0; s < n; s++) {
            int k = space.rankCount(s);
            int[] weight = new int[k];
            for (int i = 0; i < k; i++) {
                weight[i] = (int) (space.cost(s, i) / unit);
            }
            for (int w = 0; w < width; w++) {
                double value = best[w - weight[0]] + table.score(s, 0);
                int chosen = 0;
                for (int i = 1; i < k && weight[i] <= w; i++) {
                    double v = best[w - weight[i]] + table.score(s, i);
                    if (v > value) {
                        value = v;
                        chosen = i;
                    }
                }
                next[w] = value;
                choice[s][w] = (byte) chosen;
            }
            double[] t = best;
            best = next;
            next = t;
        }
        int[] g = new int[n];
        int w = width - 1;
        for (int s = n - 1; s >= 0; s--) {
            g[s] = Byte.toUnsignedInt(choice[s][w]);
            w -= (int) (space.cost(s, g[s]) / unit);
        }
        return g;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
