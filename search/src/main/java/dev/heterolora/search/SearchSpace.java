package dev.heterolora.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteAdapter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The genotype space every strategy searches: one gene per adapter site, its value an index into that site's
 * allowed ranks (index 0 = rank 0 = off), and the trainable-parameter budget those genotypes must respect.
 *
 * <p>It exists so that strategies work on plain {@code int[]} rank indices while everything model-specific
 * (which sites exist, their shapes, the per-site cap on ranks, alpha) is decided here once. Sites are in
 * {@link ModelConfig#sites} order (layer, then projections, then shortcuts); gene {@code i} is site {@code i}.
 *
 * <p>Ranks are capped per site: a rank above the site's {@link ModelConfig.SiteShape#maxRank()} becomes that
 * maximum (so a narrow k/v projection may offer {0, 1, …, 16, 32} where a wide one offers {…, 32, 64}).
 *
 * <p><b>Budget handling: repair, not rejection.</b> {@link #repair} turns any genotype into one within the budget,
 * deterministically and without fitness: while over budget it lowers by one step the site whose adapter currently
 * costs the most parameters (ties: the earlier site), e.g. rank 64 → 32. Costly adapters are the first to shrink
 * because LoRA's returns in rank are diminishing, and single steps keep as much of the genotype as possible. It
 * terminates (every step lowers one index; all-off costs 0) and is idempotent (a feasible genotype is returned
 * unchanged). Only repaired plans are ever evaluated or recorded, so every recorded plan is feasible.
 */
public final class SearchSpace {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelConfig config;
    private final SpaceOptions options;
    private final long budget;
    private final List<AdapterSite> sites;
    private final Map<AdapterSite, Integer> index;
    private final int[][] ranks;
    private final long[][] costs;

    private SearchSpace(ModelConfig config, SpaceOptions options, long budget) {
        this.config = config;
        this.options = options;
        this.budget = budget;
        this.sites = config.sites(options.shortcuts()).stream()
                .filter(s -> options.kinds().contains(s.kind())).toList();
        if (sites.isEmpty()) {
            throw new HeteroloraException("no adapter sites selected: this " + config.family().modelType()
                    + " model has none of the kinds " + options.toJson().get("kinds")
                    + (options.shortcuts() ? "" : " without shortcuts"));
        }
        this.index = new HashMap<>();
        this.ranks = new int[sites.size()][];
        this.costs = new long[sites.size()][];
        for (int s = 0; s < sites.size(); s++) {
            index.put(sites.get(s), s);
            ModelConfig.SiteShape shape = config.siteShape(sites.get(s).kind());
            ranks[s] = options.ranks().stream().mapToInt(r -> Math.min(r, shape.maxRank())).distinct().toArray();
            costs[s] = Arrays.stream(ranks[s]).mapToLong(shape::adapterParameters).toArray();
        }
        long cheapest = Long.MAX_VALUE;
        int cheapestSite = 0;
        for (int s = 0; s < sites.size(); s++) {
            if (costs[s][1] < cheapest) {
                cheapest = costs[s][1];
                cheapestSite = s;
            }
        }
        if (budget < cheapest) {
            throw new HeteroloraException("budget of " + budget + " parameters is below the cheapest possible adapter (rank "
                    + ranks[cheapestSite][1] + " at " + sites.get(cheapestSite) + " needs " + cheapest + ")");
        }
    }

    /**
     * The space of {@code options} over the sites of {@code config}, limited to {@code budget} trainable parameters
     * (as {@link dev.heterolora.core.Budget#limit} gives it).
     *
     * @throws HeteroloraException if no site is selected or the budget cannot hold even the cheapest adapter
     */
    public static SearchSpace of(ModelConfig config, SpaceOptions options, long budget) {
        return new SearchSpace(config, options, budget);
    }

    /** Rebuilds a space stored with {@link #toJson()} for the same model, failing if it no longer matches. */
    public static SearchSpace fromJson(ModelConfig config, JsonNode node) {
        if (node == null || !node.path("budget").canConvertToLong()) {
            throw new HeteroloraException("stored search space JSON needs 'options' and an integer 'budget'");
        }
        SearchSpace space = of(config, SpaceOptions.fromJson(node.get("options")), node.get("budget").asLong());
        if (!space.toJson().get("sites").equals(node.get("sites"))) {
            throw new HeteroloraException("the stored search space does not match this model's adapter sites");
        }
        return space;
    }

    public ModelConfig config() {
        return config;
    }

    public SpaceOptions options() {
        return options;
    }

    /** The most trainable parameters a plan may have. */
    public long budget() {
        return budget;
    }

    /** The sites, gene {@code i} being site {@code i}. */
    public List<AdapterSite> sites() {
        return sites;
    }

    /** Number of genes. */
    public int size() {
        return sites.size();
    }

    /** Gene of {@code site}, or -1 if the site is not searched over. */
    public int indexOf(AdapterSite site) {
        return index.getOrDefault(site, -1);
    }

    /** Allowed ranks at site {@code s}, ascending, the first being 0. */
    public int[] ranks(int s) {
        return ranks[s].clone();
    }

    /** Number of allowed ranks (the gene's range is {@code [0, rankCount(s))}). */
    public int rankCount(int s) {
        return ranks[s].length;
    }

    /** The rank gene value {@code rankIndex} stands for at site {@code s}. */
    public int rank(int s, int rankIndex) {
        return ranks[s][rankIndex];
    }

    /**
     * Index of the largest allowed rank at site {@code s} that is at most {@code rank}: where a rank chosen for all
     * sites alike lands at this site after the per-site cap.
     */
    public int indexAtMost(int s, int rank) {
        int i = Arrays.binarySearch(ranks[s], rank);
        return i >= 0 ? i : -i - 2;
    }

    /** Trainable parameters of the adapter at site {@code s} with rank index {@code rankIndex}. */
    public long cost(int s, int rankIndex) {
        return costs[s][rankIndex];
    }

    /** Trainable parameters of a genotype. */
    public long parameters(int[] rankIndices) {
        check(rankIndices);
        long total = 0;
        for (int s = 0; s < rankIndices.length; s++) {
            total += costs[s][rankIndices[s]];
        }
        return total;
    }

    /** Whether a genotype is within the budget. */
    public boolean isFeasible(int[] rankIndices) {
        return parameters(rankIndices) <= budget;
    }

    /**
     * A genotype within the budget: {@code rankIndices} itself (as a copy) if it already is, otherwise the result
     * of lowering, one step at a time, the rank of the currently most expensive adapter (ties: the earlier site)
     * until it fits. See the class comment for why.
     */
    public int[] repair(int[] rankIndices) {
        int[] g = rankIndices.clone();
        long total = parameters(g);
        if (total <= budget) {
            return g;
        }
        PriorityQueue<Integer> costliest = new PriorityQueue<>((a, b) -> {
            int byCost = Long.compare(costs[b][g[b]], costs[a][g[a]]);
            return byCost != 0 ? byCost : Integer.compare(a, b);
        });
        for (int s = 0; s < g.length; s++) {
            if (g[s] > 0) {
                costliest.add(s);
            }
        }
        while (total > budget) {
            int s = costliest.remove();
            total -= costs[s][g[s]] - costs[s][g[s] - 1];
            g[s]--;
            if (g[s] > 0) {
                costliest.add(s);
            }
        }
        return g;
    }

    /** A genotype with every gene drawn uniformly from its range (not yet repaired). */
    public int[] randomGenotype(RandomGenerator random) {
        int[] g = new int[sites.size()];
        for (int s = 0; s < g.length; s++) {
            g[s] = random.nextInt(ranks[s].length);
        }
        return g;
    }

    /** The plan of a genotype: an adapter of the chosen rank (alpha by the space's rule) at every site not off. */
    public AdapterPlan toPlan(int[] rankIndices) {
        check(rankIndices);
        TreeMap<AdapterSite, SiteAdapter> adapters = new TreeMap<>();
        for (int s = 0; s < rankIndices.length; s++) {
            if (rankIndices[s] > 0) {
                int r = ranks[s][rankIndices[s]];
                adapters.put(sites.get(s), new SiteAdapter(r, options.alpha().alpha(r)));
            }
        }
        return new AdapterPlan(adapters);
    }

    /**
     * The genotype of a plan (alphas are not part of it).
     *
     * @throws HeteroloraException if the plan uses a site outside this space or a rank the site does not allow
     */
    public int[] encode(AdapterPlan plan) {
        int[] g = new int[sites.size()];
        plan.adapters().forEach((site, adapter) -> {
            int s = indexOf(site);
            if (s < 0) {
                throw new HeteroloraException("plan site " + site + " is not in the search space");
            }
            int i = Arrays.binarySearch(ranks[s], adapter.rank());
            if (i <= 0) {
                throw new HeteroloraException("plan site " + site + ": rank " + adapter.rank()
                        + " is not allowed there (allowed: " + Arrays.toString(ranks[s]) + ")");
            }
            g[s] = i;
        });
        return g;
    }

    /**
     * JSON describing the space, for storing with a study:
     * {@code {"options":{…},"budget":N,"sites":[{"site":"0.q","ranks":[0,1,…]},…]}}.
     */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.set("options", options.toJson());
        o.put("budget", budget);
        var siteArray = o.putArray("sites");
        for (int s = 0; s < sites.size(); s++) {
            ObjectNode n = siteArray.addObject();
            n.put("site", sites.get(s).toString());
            Arrays.stream(ranks[s]).forEach(n.putArray("ranks")::add);
        }
        return o;
    }

    private void check(int[] rankIndices) {
        if (rankIndices.length != sites.size()) {
            throw new IllegalArgumentException("genotype has " + rankIndices.length + " genes, the space " + sites.size());
        }
        for (int s = 0; s < rankIndices.length; s++) {
            if (rankIndices[s] < 0 || rankIndices[s] >= ranks[s].length) {
                throw new IllegalArgumentException("gene " + s + " = " + rankIndices[s] + " is outside [0, "
                        + ranks[s].length + ")");
            }
        }
    }
}
