package dev.heterolora.search;

import io.jenetics.Alterer;
import io.jenetics.AltererResult;
import io.jenetics.Genotype;
import io.jenetics.IntegerGene;
import io.jenetics.Phenotype;
import io.jenetics.util.MSeq;
import io.jenetics.util.RandomRegistry;
import io.jenetics.util.Seq;
import java.util.random.RandomGenerator;

/**
 * Mutation for rank genes under a budget, in small ordered moves: every offspring gets one or more moves (another
 * follows with probability {@code more}). A move raises one random site, one rank step or (with probability
 * {@code jump}) to any higher rank, or (with probability {@code 1 − trade}) lowers one a step; whatever a move
 * makes the plan cost over the budget is paid by lowering other sites that are on, chosen at random, a step at a
 * time.
 *
 * <p>It replaces Jenetics' {@code Mutator}, which redraws genes uniformly and in clumps (its probability is split
 * over individual, chromosome and gene, so few individuals change and those change a lot). Rank genes are ordered
 * and the budget makes trades the useful moves. Paying at random sites matters: leaving an over-budget plan to the
 * fitness-blind {@link SearchSpace#repair} shrinks the costliest adapter, which is usually the valuable one just
 * raised, and lowering a random site that is already off pays nothing. Jumps let a valuable site reach a high rank
 * in one move instead of several that each must survive selection.
 */
final class RankMutator<C extends Comparable<? super C>> implements Alterer<IntegerGene, C> {

    private final SearchSpace space;
    private final double more;
    private final double trade;
    private final double jump;

    RankMutator(SearchSpace space, double more, double trade, double jump) {
        this.space = space;
        this.more = more;
        this.trade = trade;
        this.jump = jump;
    }

    @Override
    public AltererResult<IntegerGene, C> alter(Seq<Phenotype<IntegerGene, C>> population, long generation) {
        RandomGenerator random = RandomRegistry.random();
        MSeq<Phenotype<IntegerGene, C>> out = MSeq.of(population);
        int alterations = 0;
        for (int k = 0; k < out.length(); k++) {
            int[] g = ((RankChromosome) out.get(k).genotype().chromosome()).rankIndices().clone();
            do {
                alterations += move(g, random);
            } while (random.nextDouble() < more);
            out.set(k, Phenotype.of(Genotype.of(RankChromosome.of(space, g)), generation));
        }
        return new AltererResult<>(out.toISeq(), alterations);
    }

    /** One move on {@code g}, paid for within the budget; the number of genes changed. */
    private int move(int[] g, RandomGenerator random) {
        int s = random.nextInt(g.length);
        int top = space.rankCount(s) - 1;
        if (random.nextDouble() >= trade) {
            int to = g[s] + (random.nextBoolean() ? 1 : -1);
            if (to < 0 || to > top) {
                return 0;
            }
            g[s] = to;
            return 1 + pay(g, s, random);
        }
        if (g[s] == top) {
            return 0;
        }
        g[s] = random.nextDouble() < jump ? g[s] + 1 + random.nextInt(top - g[s]) : g[s] + 1;
        return 1 + pay(g, s, random);
    }

    /** Lowers random sites that are on, other than {@code raised}, a step at a time until {@code g} fits. */
    private int pay(int[] g, int raised, RandomGenerator random) {
        long over = space.parameters(g) - space.budget();
        if (over <= 0) {
            return 0;
        }
        int[] on = new int[g.length];
        int count = 0;
        for (int s = 0; s < g.length; s++) {
            if (s != raised && g[s] > 0) {
                on[count++] = s;
            }
        }
        int changed = 0;
        while (over > 0 && count > 0) {
            int i = random.nextInt(count);
            int s = on[i];
            over -= space.cost(s, g[s]) - space.cost(s, g[s] - 1);
            g[s]--;
            changed++;
            if (g[s] == 0) {
                on[i] = on[--count];
            }
        }
        return changed;
    }
}
