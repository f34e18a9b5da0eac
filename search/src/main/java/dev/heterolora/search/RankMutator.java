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
 * Mutation for rank genes, in small ordered moves: every offspring gets one or more moves (another follows with
 * probability {@code more}); a move is either a trade (with probability {@code trade}: one random site a rank up,
 * another a rank down) or one random site a rank up or down.
 *
 * <p>It replaces Jenetics' {@code Mutator}, which redraws genes uniformly and in clumps (its probability is split
 * over individual, chromosome and gene, so few individuals change and those change a lot). Rank genes are ordered
 * and the budget makes trades the useful moves; without them the GA has to wait for the fitness-blind repair to
 * take budget from the right site. The settings in {@link EngineRun} were tuned on additive fitness against the
 * exact knapsack optimum (trades: 99% of the optimum on every seed instead of about 97%).
 */
final class RankMutator<C extends Comparable<? super C>> implements Alterer<IntegerGene, C> {

    private final double more;
    private final double trade;

    RankMutator(double more, double trade) {
        this.more = more;
        this.trade = trade;
    }

    @Override
    public AltererResult<IntegerGene, C> alter(Seq<Phenotype<IntegerGene, C>> population, long generation) {
        RandomGenerator random = RandomRegistry.random();
        MSeq<Phenotype<IntegerGene, C>> out = MSeq.of(population);
        int alterations = 0;
        for (int k = 0; k < out.length(); k++) {
            MSeq<IntegerGene> genes = MSeq.of(out.get(k).genotype().chromosome());
            do {
                alterations += move(genes, random);
            } while (random.nextDouble() < more);
            out.set(k, Phenotype.of(Genotype.of(new RankChromosome(genes.toISeq())), generation));
        }
        return new AltererResult<>(out.toISeq(), alterations);
    }

    private int move(MSeq<IntegerGene> genes, RandomGenerator random) {
        int i = random.nextInt(genes.length());
        if (genes.length() > 1 && random.nextDouble() < trade) {
            int j = (i + 1 + random.nextInt(genes.length() - 1)) % genes.length();
            return step(genes, i, 1) + step(genes, j, -1);
        }
        return step(genes, i, random.nextBoolean() ? 1 : -1);
    }

    private static int step(MSeq<IntegerGene> genes, int i, int direction) {
        IntegerGene g = genes.get(i);
        int v = g.intValue() + direction;
        if (v < g.min() || v >= g.max()) {
            return 0;
        }
        genes.set(i, g.newInstance(v));
        return 1;
    }
}
