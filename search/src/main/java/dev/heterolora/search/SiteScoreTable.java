package dev.heterolora.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;

/**
 * An additive fitness tabulated over a {@link SearchSpace}: the score of every site at every allowed rank.
 *
 * <p>It exists for two reasons. The knapsack DP, its LP bound and the rule baselines read the same score many
 * times, so they ask the {@link SiteScores} once per (site, rank) and then work on the table. And a study can
 * store the table ({@link #toJson()}), so replaying those strategies needs no proxy recomputation.
 */
public final class SiteScoreTable implements SiteScores {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SearchSpace space;
    private final double[][] scores;

    private SiteScoreTable(SearchSpace space, double[][] scores) {
        this.space = space;
        this.scores = scores;
    }

    /** Asks {@code scores} for every site of {@code space} at every allowed rank, in site and rank order. */
    public static SiteScoreTable of(SearchSpace space, SiteScores scores) {
        double[][] table = new double[space.size()][];
        for (int s = 0; s < space.size(); s++) {
            table[s] = new double[space.rankCount(s)];
            for (int i = 0; i < table[s].length; i++) {
                table[s][i] = scores.score(space.sites().get(s), space.rank(s, i));
            }
        }
        return new SiteScoreTable(space, table);
    }

    /** The table of the fitness's additive part, or a clear error naming the strategy that needs it. */
    static SiteScoreTable require(Strategy strategy, SearchSpace space, PlanFitness fitness) {
        return fitness.additive().map(scores -> of(space, scores))
                .orElseThrow(() -> new HeteroloraException("strategy " + strategy.name()
                        + " needs a fitness that is a sum of per-site scores; this fitness is not"
                        + " (use auto, ga, nsga2, uniform, peft-default, all-linear or random)"));
    }

    /** Score of site {@code s} at rank index {@code rankIndex}. */
    public double score(int s, int rankIndex) {
        return scores[s][rankIndex];
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException for a site or rank the table does not hold
     */
    @Override
    public double score(AdapterSite site, int rank) {
        int s = space.indexOf(site);
        if (s < 0) {
            throw new IllegalArgumentException("site " + site + " is not in the score table");
        }
        for (int i = 0; i < space.rankCount(s); i++) {
            if (space.rank(s, i) == rank) {
                return scores[s][i];
            }
        }
        throw new IllegalArgumentException("rank " + rank + " is not in the score table of site " + site);
    }

    /** The additive fitness of a genotype: the sum of its sites' scores. */
    public double total(int[] rankIndices) {
        double sum = 0;
        for (int s = 0; s < rankIndices.length; s++) {
            sum += scores[s][rankIndices[s]];
        }
        return sum;
    }

    /** JSON form: {@code {"0.q":[0.0, 0.7, …], …}}, one score per allowed rank of the site, in rank order. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        for (int s = 0; s < scores.length; s++) {
            ArrayNode row = o.putArray(space.sites().get(s).toString());
            for (double v : scores[s]) {
                row.add(v);
            }
        }
        return o;
    }

    /** Reads {@link #toJson()} for the same space. */
    public static SiteScoreTable fromJson(SearchSpace space, JsonNode node) {
        double[][] table = new double[space.size()][];
        for (int s = 0; s < space.size(); s++) {
            AdapterSite site = space.sites().get(s);
            JsonNode row = node == null ? null : node.get(site.toString());
            if (row == null || !row.isArray() || row.size() != space.rankCount(s)) {
                throw new HeteroloraException("stored site scores lack " + space.rankCount(s) + " scores for site "
                        + site);
            }
            table[s] = new double[row.size()];
            for (int i = 0; i < row.size(); i++) {
                table[s][i] = row.get(i).asDouble();
            }
        }
        return new SiteScoreTable(space, table);
    }
}
