package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Choosing one rank per site under the budget to maximise a sum of per-(site, rank) scores is a multiple-choice
 * knapsack: weight = adapter parameters, value = the site's score at that rank. This class answers the three
 * questions the search asks of such a table: the exact optimum ({@link #exact()}, by dynamic programming), a bound
 * when the exact answer is too large to compute ({@link #upperBound()}, the LP relaxation) and good plans without
 * either ({@link #greedy()}, best score per parameter first). One instance per run and table; the optimum is
 * computed at most once.
 *
 * <p><b>Exact and fast enough.</b> Every adapter costs {@code rank·(in+out)} parameters, so all costs share a large
 * common divisor {@code g} (e.g. 32 on a hidden size of 64, 256 on Llama-2-7B); weights and budget are divided by
 * it (the budget rounded down, which loses nothing as every plan's cost is a multiple of {@code g}). With
 * {@code n} sites, {@code k} ranks and budget {@code B} that takes {@code O(n·k·B/g)} time and {@code n·(B/g+1)}
 * bytes for the choice table: for Llama-2-7B's shapes at 0.2% (351 sites, 8 ranks, B/g ≈ 50 600) about 18 MB and
 * half a second on one core. Tables above {@value #MAX_CELLS} cells are not built ({@link #exact()} is then
 * empty). Among plans of equal value the DP keeps lower ranks (earlier choices win ties), so the answer is
 * deterministic.
 *
 * <p><b>LP relaxation.</b> Allowing a convex mix of two ranks per site, each site's useful choices are the upper
 * concave hull of its (cost, score) points starting at rank 0; filling the budget with hull steps in order of
 * score per parameter, the last one fractionally, is the LP optimum, an upper bound on every plan within budget.
 * Taking only the steps that fit whole (and no later step of a site whose step was skipped) is the classic greedy
 * plan.
 */
final class Knapsack {

    /** Largest choice table (sites × scaled budget cells, one byte each) the DP will build. */
    static final long MAX_CELLS = 1L << 28;

    private final SearchSpace space;
    private final SiteScoreTable table;
    private Optional<int[]> exact;

    Knapsack(SearchSpace space, SiteScoreTable table) {
        this.space = space;
        this.table = table;
    }

    /** The knapsack of a fitness's per-site scores, if it has any. */
    static Optional<Knapsack> of(SearchSpace space, Optional<SiteScores> scores) {
        return scores.map(s -> new Knapsack(space, SiteScoreTable.of(space, s)));
    }

    SiteScoreTable table() {
        return table;
    }

    /** The genotype within budget maximising the table's total; empty if the DP table would be too large. */
    Optional<int[]> exact() {
        if (exact == null) {
            exact = solve();
        }
        return exact.map(int[]::clone);
    }

    /** The exact optimum, or a clear error naming the limit. */
    int[] requireExact() {
        return exact().orElseThrow(() -> new HeteroloraException("knapsack table of " + space.size() + " sites × "
                + (space.budget() / unit() + 1) + " budget steps is too large; use --strategy ga"));
    }

    /** The LP relaxation's optimum: no plan within budget scores more. */
    double upperBound() {
        double total = baseline();
        long left = space.budget();
        for (Step step : steps()) {
            if (step.cost <= left) {
                total += step.gain;
                left -= step.cost;
            } else {
                return total + step.gain * left / step.cost;
            }
        }
        return total;
    }

    /** Hull steps in order of score per parameter, each taken if it fits whole and its site's earlier step was. */
    int[] greedy() {
        int[] g = new int[space.size()];
        boolean[] blocked = new boolean[space.size()];
        long left = space.budget();
        for (Step step : steps()) {
            if (!blocked[step.site] && step.cost <= left) {
                g[step.site] = step.to;
                left -= step.cost;
            } else {
                blocked[step.site] = true;
            }
        }
        return g;
    }

    /**
     * For each positive allowed rank, the plan of that one rank (capped per site): sites by score gain per
     * parameter, each enabled if it gains and still fits. Plainer plans than {@link #greedy()}, for a GA's first
     * generation to start from several directions.
     */
    List<int[]> greedyPerRank() {
        List<int[]> plans = new ArrayList<>();
        List<Integer> ranks = space.options().ranks();
        for (int rank : ranks.subList(1, ranks.size())) {
            int[] at = IntStream.range(0, space.size()).map(s -> space.indexAtMost(s, rank)).toArray();
            List<Integer> order = IntStream.range(0, space.size()).boxed()
                    .filter(s -> table.score(s, at[s]) > table.score(s, 0))
                    .sorted(Comparator.comparingDouble((Integer s) -> -gainPerParameter(s, at[s]))
                            .thenComparing(Comparator.naturalOrder()))
                    .toList();
            plans.add(fill(space, at, order, space.size()));
        }
        return plans;
    }

    /**
     * Enables sites in {@code order}, site {@code s} at rank index {@code at[s]}, skipping any that would exceed
     * the budget, until {@code limit} are on or the order is exhausted.
     */
    static int[] fill(SearchSpace space, int[] at, List<Integer> order, int limit) {
        int[] g = new int[space.size()];
        long total = 0;
        int enabled = 0;
        for (int s : order) {
            if (enabled == limit) {
                break;
            }
            if (total + space.cost(s, at[s]) <= space.budget()) {
                g[s] = at[s];
                total += space.cost(s, at[s]);
                enabled++;
            }
        }
        return g;
    }

    private double gainPerParameter(int s, int rankIndex) {
        return (table.score(s, rankIndex) - table.score(s, 0)) / space.cost(s, rankIndex);
    }

    /** One move along a site's upper concave hull: rank index {@code from} to {@code to}. */
    private record Step(int site, int from, int to, long cost, double gain) {
        double efficiency() {
            return gain / cost;
        }
    }

    private double baseline() {
        double total = 0;
        for (int s = 0; s < space.size(); s++) {
            total += table.score(s, 0);
        }
        return total;
    }

    /** Every site's improving hull steps, best score per parameter first (ties: site, then rank order). */
    private List<Step> steps() {
        List<Step> steps = new ArrayList<>();
        for (int s = 0; s < space.size(); s++) {
            List<Integer> hull = new ArrayList<>(List.of(0));
            for (int i = 1; i < space.rankCount(s); i++) {
                if (table.score(s, i) <= table.score(s, hull.getLast())) {
                    continue;
                }
                while (hull.size() >= 2 && !concave(s, hull.get(hull.size() - 2), hull.getLast(), i)) {
                    hull.removeLast();
                }
                hull.add(i);
            }
            for (int h = 1; h < hull.size(); h++) {
                int from = hull.get(h - 1);
                int to = hull.get(h);
                steps.add(new Step(s, from, to, space.cost(s, to) - space.cost(s, from),
                        table.score(s, to) - table.score(s, from)));
            }
        }
        steps.sort(Comparator.comparingDouble(Step::efficiency).reversed()
                .thenComparingInt(Step::site).thenComparingInt(Step::from));
        return steps;
    }

    /** Whether the middle point lies strictly above the chord from {@code a} to {@code c} (slopes decrease). */
    private boolean concave(int s, int a, int b, int c) {
        double left = (table.score(s, b) - table.score(s, a)) / (space.cost(s, b) - space.cost(s, a));
        double right = (table.score(s, c) - table.score(s, b)) / (space.cost(s, c) - space.cost(s, b));
        return left > right;
    }

    private long unit() {
        long unit = 0;
        for (int s = 0; s < space.size(); s++) {
            if (space.rankCount(s) > 256) {
                throw new HeteroloraException("knapsack supports at most 255 ranks per site");
            }
            for (int i = 1; i < space.rankCount(s); i++) {
                unit = gcd(unit, space.cost(s, i));
            }
        }
        return unit;
    }

    private Optional<int[]> solve() {
        int n = space.size();
        long unit = unit();
        long capacity = space.budget() / unit;
        if (capacity + 1 > MAX_CELLS / n) {
            return Optional.empty();
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
        return Optional.of(g);
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
