package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.heterolora.core.SiteKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The knapsack DP against brute force on spaces small enough to enumerate, with arbitrary (not concave) scores. */
class KnapsackPropertyTest {

    @Provide
    Arbitrary<SearchSpace> smallSpaces() {
        return Combinators.combine(
                        Arbitraries.integers().between(1, 2),
                        Arbitraries.of(8, 12, 16),
                        Arbitraries.subsetOf(SiteKind.Q, SiteKind.K, SiteKind.O, SiteKind.DOWN).ofMinSize(1).ofMaxSize(2),
                        Arbitraries.subsetOf(1, 2, 3, 4, 6, 8, 16).ofMinSize(1).ofMaxSize(3),
                        Arbitraries.doubles().between(0, 1))
                .as((layers, hidden, kinds, ranks, share) -> {
                    SpaceOptions options = new SpaceOptions(EnumSet.copyOf(kinds), false, new ArrayList<>(ranks),
                            AlphaRule.DEFAULT);
                    SearchSpace widest = SearchSpace.of(Fixtures.llama(layers, hidden, 4, 2, 2 * hidden), options,
                            Long.MAX_VALUE);
                    long all = 0;
                    for (int s = 0; s < widest.size(); s++) {
                        all += widest.cost(s, widest.rankCount(s) - 1);
                    }
                    return SearchSpace.of(widest.config(), options, Math.max(widest.cost(0, 1),
                            Math.round(share * all)));
                });
    }

    @Property(tries = 300)
    void theDynamicProgramFindsTheBruteForceOptimum(@ForAll("smallSpaces") SearchSpace space, @ForAll long seed) {
        Random random = new Random(seed);
        Map<String, Double> scores = new HashMap<>();
        SiteScores siteScores = (site, rank) -> rank == 0 ? 0
                : scores.computeIfAbsent(site + "@" + rank, k -> random.nextDouble());
        SiteScoreTable table = SiteScoreTable.of(space, siteScores);

        int[] optimum = new Knapsack(space, table).requireExact();

        assertThat(space.isFeasible(optimum)).isTrue();
        assertThat(table.total(optimum)).isCloseTo(bruteForce(space, table), within(1e-9));
    }

    @Property(tries = 300)
    void theLpBoundIsAboveTheOptimumAndTheGreedyPlansFeasibleBelowIt(@ForAll("smallSpaces") SearchSpace space,
                                                                     @ForAll long seed) {
        Random random = new Random(seed);
        SiteScoreTable table = SiteScoreTable.of(space, (site, rank) -> rank == 0 ? 0 : random.nextDouble() - 0.2);
        Knapsack knapsack = new Knapsack(space, table);

        double optimum = table.total(knapsack.requireExact());

        assertThat(knapsack.upperBound()).isGreaterThanOrEqualTo(optimum - 1e-9);
        List<int[]> greedy = new ArrayList<>(knapsack.greedyPerRank());
        greedy.add(knapsack.greedy());
        assertThat(greedy).allSatisfy(g -> {
            assertThat(space.isFeasible(g)).isTrue();
            assertThat(table.total(g)).isLessThanOrEqualTo(optimum + 1e-9);
        });
    }

    private static double bruteForce(SearchSpace space, SiteScoreTable table) {
        double best = Double.NEGATIVE_INFINITY;
        List<int[]> all = new ArrayList<>();
        enumerate(space, new int[space.size()], 0, all);
        for (int[] g : all) {
            if (space.isFeasible(g)) {
                best = Math.max(best, table.total(g));
            }
        }
        return best;
    }

    private static void enumerate(SearchSpace space, int[] g, int s, List<int[]> out) {
        if (s == g.length) {
            out.add(g.clone());
            return;
        }
        for (int i = 0; i < space.rankCount(s); i++) {
            g[s] = i;
            enumerate(space, g, s + 1, out);
        }
    }
}
