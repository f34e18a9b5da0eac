package dev.heterolora.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.HeteroloraException;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Everything besides the space and the fitness that decides what a strategy does: the study's seed and each
 * strategy's knobs. Together with the {@link SearchSpace} it is the configuration a study stores so that a replay
 * re-runs the very same search.
 *
 * @param seed              the one seed of the study; all randomness of a run comes from {@link #random()}
 * @param population        individuals per generation ({@code ga}, {@code nsga2}, {@code auto} when it evolves)
 * @param generations       most generations, or {@link #AUTO} to scale with the space ({@link #generationLimit})
 * @param steadyGenerations stop after this many generations without a better best fitness, or {@link #AUTO} to
 *                          scale with the space ({@link #steadyLimit})
 * @param samples           plans drawn by {@code random}
 * @param topkRank          the fixed rank of {@code topk} (capped per site like every rank)
 * @param topkFraction      share of all sites {@code topk} may enable, in (0, 1]; 1 = as many as fit the budget
 */
public record SearchSettings(long seed, int population, int generations, int steadyGenerations, int samples,
                             int topkRank, double topkFraction) {

    /** {@link #generations} or {@link #steadyGenerations} that scale with the number of sites (the defaults). */
    public static final int AUTO = 0;
    /**
     * Default population. Together with the automatic limits it is tuned so the GA reaches 99% of a ten times
     * longer run with five restarts on a non-additive fitness over Llama-7B's 351 sites (see
     * {@code GaConvergenceTest}).
     */
    public static final int DEFAULT_POPULATION = 60;
    /** The automatic generation limit: {@value #GENERATIONS_PER_SITE} per site, at least this many. */
    public static final int DEFAULT_GENERATIONS = 500;
    /** The automatic steady-fitness limit: {@value #STEADY_GENERATIONS_PER_SITE} per site, at least this many. */
    public static final int DEFAULT_STEADY_GENERATIONS = 80;
    /** Generations per site of the automatic generation limit. */
    public static final double GENERATIONS_PER_SITE = 3;
    /** Generations per site of the automatic steady-fitness limit. */
    public static final double STEADY_GENERATIONS_PER_SITE = 0.5;
    /** Default number of plans of the {@code random} baseline. */
    public static final int DEFAULT_SAMPLES = 500;
    /** Default rank of {@code topk}. */
    public static final int DEFAULT_TOPK_RANK = 8;

    private static final ObjectMapper JSON = new ObjectMapper();

    public SearchSettings {
        positive("population", population);
        notNegative("generations", generations);
        notNegative("steady generations", steadyGenerations);
        positive("samples", samples);
        positive("top-k rank", topkRank);
        if (population < 2) {
            throw new HeteroloraException("population must be at least 2, got " + population);
        }
        if (!(topkFraction > 0 && topkFraction <= 1)) {
            throw new HeteroloraException("top-k fraction must be in (0, 1], got " + topkFraction);
        }
    }

    /** The defaults with the given seed (automatic generation and steady-fitness limits). */
    public static SearchSettings defaults(long seed) {
        return new SearchSettings(seed, DEFAULT_POPULATION, AUTO, AUTO, DEFAULT_SAMPLES, DEFAULT_TOPK_RANK, 1.0);
    }

    /**
     * Most generations over a space of {@code sites} sites: {@link #generations} as given, or if {@link #AUTO}
     * {@value #GENERATIONS_PER_SITE} per site and at least {@value #DEFAULT_GENERATIONS}. A GA's moves change a
     * few genes each, so the generations it needs grow with the number of genes.
     */
    public int generationLimit(int sites) {
        return generations != AUTO ? generations : scaled(DEFAULT_GENERATIONS, GENERATIONS_PER_SITE, sites);
    }

    /**
     * Generations without a better plan after which the GA stops, over a space of {@code sites} sites:
     * {@link #steadyGenerations} as given, or if {@link #AUTO} {@value #STEADY_GENERATIONS_PER_SITE} per site and
     * at least {@value #DEFAULT_STEADY_GENERATIONS} (a fixed window stopped a 351-site search at half the optimum:
     * a single valuable site can take that long to be tried).
     */
    public int steadyLimit(int sites) {
        return steadyGenerations != AUTO ? steadyGenerations
                : scaled(DEFAULT_STEADY_GENERATIONS, STEADY_GENERATIONS_PER_SITE, sites);
    }

    private static int scaled(int least, double perSite, int sites) {
        return Math.max(least, (int) Math.ceil(perSite * sites));
    }

    /** These settings with another seed. */
    public SearchSettings withSeed(long newSeed) {
        return new SearchSettings(newSeed, population, generations, steadyGenerations, samples, topkRank,
                topkFraction);
    }

    /**
     * A fresh generator seeded with {@link #seed()}. {@link Random}'s algorithm is fixed by its specification, so
     * a replay on another JDK draws the same numbers.
     */
    public RandomGenerator random() {
        return new Random(seed);
    }

    /** JSON form, for storing with a study. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("seed", seed);
        o.put("population", population);
        o.put("generations", generations);
        o.put("steady_generations", steadyGenerations);
        o.put("samples", samples);
        o.put("topk_rank", topkRank);
        o.put("topk_fraction", topkFraction);
        return o;
    }

    /** Reads {@link #toJson()}; absent fields take their defaults (the seed is required). */
    public static SearchSettings fromJson(JsonNode node) {
        if (node == null || !node.path("seed").canConvertToLong()) {
            throw new HeteroloraException("search settings JSON needs an integer 'seed'");
        }
        SearchSettings d = defaults(node.get("seed").asLong());
        return new SearchSettings(d.seed, node.path("population").asInt(d.population),
                node.path("generations").asInt(d.generations),
                node.path("steady_generations").asInt(d.steadyGenerations), node.path("samples").asInt(d.samples),
                node.path("topk_rank").asInt(d.topkRank), node.path("topk_fraction").asDouble(d.topkFraction));
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new HeteroloraException(what + " must be positive, got " + value);
        }
    }

    private static void notNegative(String what, int value) {
        if (value < 0) {
            throw new HeteroloraException(what + " must be positive (or 0 = scale with the sites), got " + value);
        }
    }
}
