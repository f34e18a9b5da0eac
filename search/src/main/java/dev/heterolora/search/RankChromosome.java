package dev.heterolora.search;

import io.jenetics.AbstractChromosome;
import io.jenetics.IntegerGene;
import io.jenetics.util.ISeq;

/**
 * The GA's chromosome: one {@link IntegerGene} per site, each with its own range {@code [0, rankCount(site))}.
 *
 * <p>It exists because Jenetics' {@code IntegerChromosome} insists on one range for all genes, while capped sites
 * allow fewer ranks than others; one chromosome per site would instead leave crossover nothing to cross (Jenetics
 * crosses within one chromosome). Crossover swaps genes position by position, so a gene always meets a gene of
 * the same site and range, and mutation redraws a gene within its own range.
 */
final class RankChromosome extends AbstractChromosome<IntegerGene> {

    private final int[] rankIndices;

    RankChromosome(ISeq<IntegerGene> genes) {
        super(genes);
        rankIndices = new int[genes.length()];
        for (int s = 0; s < rankIndices.length; s++) {
            rankIndices[s] = genes.get(s).intValue();
        }
    }

    private RankChromosome(ISeq<IntegerGene> genes, int[] rankIndices) {
        super(genes);
        this.rankIndices = rankIndices;
    }

    /** The chromosome of a genotype of {@code space}, which it keeps (callers must not change it afterwards). */
    static RankChromosome of(SearchSpace space, int[] rankIndices) {
        IntegerGene[] genes = new IntegerGene[rankIndices.length];
        for (int s = 0; s < genes.length; s++) {
            genes[s] = IntegerGene.of(rankIndices[s], 0, space.rankCount(s));
        }
        return new RankChromosome(ISeq.of(genes), rankIndices);
    }

    /**
     * The genes' values, read once when the chromosome is made: the budget check, the repair and the evaluation
     * each read all of them, which through Jenetics' sequences cost more than the fitness itself on large models.
     * The array is shared; callers must not change it.
     */
    int[] rankIndices() {
        return rankIndices;
    }

    @Override
    public RankChromosome newInstance(ISeq<IntegerGene> genes) {
        return new RankChromosome(genes);
    }

    /** A chromosome with every gene redrawn uniformly within its range. */
    @Override
    public RankChromosome newInstance() {
        return new RankChromosome(_genes.map(IntegerGene::newInstance));
    }
}
