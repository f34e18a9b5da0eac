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
 * @param population        individuals per generation ({@code ga}, {@code nsga2})
 * @param generations       most generations ({@code ga}, {@code nsga2})
 * @param steadyGenerations stop after this many generations without a better best fitness ({@code ga},
 *                          {@code nsga2})
 * @param samples           plans drawn by {@code random}
 * @param topkRank          the fixed rank of {@code topk} (capped per site like every rank)
 * @param topkFraction      share of all sites {@code topk} may enable, in (0, 1]; 1 = as many as fit the budget
 */
public record SearchSettings(long seed, int population, int generations, int steadyGenerations, int samples,
                             int topkRank, double topkFraction) {

    /**
     * Default population. Together with {@link #DEFAULT_GENERATIONS} and {@link #DEFAULT_STEADY_GENERATIONS} it is
     * tuned so the GA reaches 99% of the exact optimum of additive fitness (see {@code GaVersusKnapsackTest}).
     */
    public static final int DEFAULT_POPULATION = 60;
    /** Default most generations. */
    public static final int DEFAULT_GENERATIONS = 500;
    /** Default steady-fitness limit. */
    public static final int DEFAULT_STEADY_GENERATIONS = 80;
    /** Default number of plans of the {@code random} baseline. */
    public static final int DEFAULT_SAMPLES = 500;
    /** Default rank of {@code topk}. */
    public static final int DEFAULT_TOPK_RANK = 8;

    private static final ObjectMapper JSON = new ObjectMapper();

    public SearchSettings {
        positive("population", population);
        positive("generations", generations);
        positive("steady generations", steadyGenerations);
        positive("samples", samples);
        positive("top-k rank", topkRank);
        if (population < 2) {
            throw new HeteroloraException("population must be at least 2, got " + population);
        }
        if (!(topkFraction > 0 && topkFraction <= 1)) {
            throw new HeteroloraException("top-k fraction must be in (0, 1], got " + topkFraction);
        }
    }

    /** The defaults with the given seed. */
    public static SearchSettings defaults(long seed) {
        return new SearchSettings(seed, DEFAULT_POPULATION, DEFAULT_GENERATIONS, DEFAULT_STEADY_GENERATIONS,
                DEFAULT_SAMPLES, DEFAULT_TOPK_RANK, 1.0);
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
}
