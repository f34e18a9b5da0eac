package dev.heterolora.proxies;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteAdapter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Scores whole plans with the proxies: additive ones by table lookup from {@link SiteStatistics} (microseconds per
 * plan), per-plan ones through a {@link PlanProbe}. The objective is one proxy, or {@code vote}: the mean, over the
 * chosen proxies, of the plan's percentile among a fixed seeded reference sample of random plans (so every proxy
 * counts equally whatever its scale, and a plan's fitness never depends on which other plans are evaluated).
 */
public final class PlanScorer {
    /** One plan's fitness and every proxy's raw score. */
    public record Scored(double fitness, Map<String, Double> scores) {}

    private static final int REFERENCE_PLANS = 128;

    private final SiteStatistics stats;
    private final ModelConfig config;
    private final List<ZeroCostProxy> objective;
    private final boolean vote;
    private final PlanProbe probe;
    private final Map<AdapterSite, Integer> index = new HashMap<>();
    private final Map<ZeroCostProxy, double[]> reference = new HashMap<>();

    /**
     * @param objectiveProxies one proxy, or several when {@code vote}
     * @param probe needed when an objective proxy is not additive (else may be null)
     */
    public PlanScorer(SiteStatistics stats, ModelConfig config, List<ZeroCostProxy> objectiveProxies, boolean vote,
                      PlanProbe probe, long seed) {
        this(stats, config, objectiveProxies, vote, probe, seed, Long.MAX_VALUE);
    }

    /**
     * @param budget the vote's reference plans are drawn within this many trainable parameters, so that plans
     *               within the budget spread over the percentiles (a reference of unbounded plans puts every
     *               feasible plan near percentile 0 and makes the vote flat)
     */
    public PlanScorer(SiteStatistics stats, ModelConfig config, List<ZeroCostProxy> objectiveProxies, boolean vote,
                      PlanProbe probe, long seed, long budget) {
        if (objectiveProxies.isEmpty() || (!vote && objectiveProxies.size() != 1)) {
            throw new HeteroloraException("choose one proxy, or several with vote");
        }
        if (probe == null && objectiveProxies.stream().anyMatch(p -> !p.isAdditive())) {
            throw new IllegalArgumentException("per-plan proxies need a probe");
        }
        this.stats = stats;
        this.config = config;
        this.objective = List.copyOf(objectiveProxies);
        this.vote = vote;
        this.probe = probe;
        for (int i = 0; i < stats.sites().size(); i++) {
            index.put(stats.sites().get(i), i);
        }
        if (vote) {
            List<AdapterPlan> sample = referencePlans(seed, budget);
            for (ZeroCostProxy p : objective) {
                double[] v = sample.stream().mapToDouble(plan -> raw(p, plan)).toArray();
                Arrays.sort(v);
                reference.put(p, v);
            }
        }
    }

    /**
     * Random plans over the statistics' sites within {@code budget} parameters: the sites in a random order, each
     * off or at a random power-of-two rank up to its maximum, kept only while the plan stays within the budget.
     */
    private List<AdapterPlan> referencePlans(long seed, long budget) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<AdapterPlan> plans = new ArrayList<>();
        int n = stats.sites().size();
        for (int k = 0; k < REFERENCE_PLANS; k++) {
            TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
            int[] order = rng.ints(0, Integer.MAX_VALUE).limit(n).toArray();
            Integer[] sites = new Integer[n];
            for (int i = 0; i < n; i++) {
                sites[i] = i;
            }
            Arrays.sort(sites, (a, b) -> Integer.compare(order[a], order[b]));
            long used = 0;
            for (int i : sites) {
                int levels = 32 - Integer.numberOfLeadingZeros(stats.maxRank(i));
                int pick = rng.nextInt(levels + 1);
                if (pick > 0) {
                    int r = 1 << (pick - 1);
                    AdapterSite site = stats.sites().get(i);
                    long cost = config.siteShape(site.kind()).adapterParameters(r);
                    if (used + cost <= budget) {
                        m.put(site, new SiteAdapter(r, 2.0 * r));
                        used += cost;
                    }
                }
            }
            plans.add(new AdapterPlan(m));
        }
        return plans;
    }

    /** The raw score of one proxy for one plan. */
    public double raw(ZeroCostProxy proxy, AdapterPlan plan) {
        if (!proxy.isAdditive()) {
            return plan.isEmpty() ? 0 : probe.score(proxy, plan);
        }
        double total = 0;
        for (Map.Entry<AdapterSite, SiteAdapter> e : plan.adapters().entrySet()) {
            total += siteScore(proxy, e.getKey(), e.getValue().rank(), e.getValue().scale());
        }
        return total;
    }

    /** One site's additive score at a rank and scale. */
    public double siteScore(ZeroCostProxy proxy, AdapterSite site, int rank, double scale) {
        Integer i = index.get(site);
        if (i == null) {
            throw new HeteroloraException("site " + site + " has no proxy statistics");
        }
        return proxy.siteScore(stats, config, i, rank, scale);
    }

    /** Whether the objective is a sum over sites (so exact knapsack and top-k apply). */
    public boolean isAdditive() {
        return !vote && objective.get(0).isAdditive();
    }

    /** The single objective proxy (when not voting). */
    public ZeroCostProxy objectiveProxy() {
        return objective.get(0);
    }

    /** Scores plans in order: all additive proxies always (cheap), per-plan ones when they are in the objective. */
    public List<Scored> score(List<AdapterPlan> plans) {
        List<Scored> out = new ArrayList<>(plans.size());
        for (AdapterPlan plan : plans) {
            Map<String, Double> scores = new LinkedHashMap<>();
            for (ZeroCostProxy p : ZeroCostProxy.values()) {
                if (p.isAdditive() || objective.contains(p)) {
                    scores.put(p.id(), raw(p, plan));
                }
            }
            double fitness;
            if (vote) {
                double sum = 0;
                for (ZeroCostProxy p : objective) {
                    sum += percentile(reference.get(p), scores.get(p.id()));
                }
                fitness = sum / objective.size();
                scores.put("vote", fitness);
            } else {
                fitness = scores.get(objective.get(0).id());
            }
            out.add(new Scored(fitness, scores));
        }
        return out;
    }

    /** Fraction of the reference below v (ties count half), in [0, 1]. */
    static double percentile(double[] sorted, double v) {
        int below = lowerBound(sorted, v);
        int notAbove = upperBound(sorted, v);
        return (below + 0.5 * (notAbove - below)) / sorted.length;
    }

    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int upperBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
