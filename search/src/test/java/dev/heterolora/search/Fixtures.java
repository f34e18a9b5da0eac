package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.ModelFamily;
import dev.heterolora.core.SiteAdapter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/** Models, scores and fitness functions the search tests share. */
final class Fixtures {

    private Fixtures() {}

    /** The model module's llama-tiny config (2 layers, hidden 64, 2 KV heads of 16), copied as a test resource. */
    static ModelConfig llamaTiny() {
        return read("llama-tiny");
    }

    /** The model module's gpt2-tiny config (2 layers, hidden 64, fused qkv). */
    static ModelConfig gpt2Tiny() {
        return read("gpt2-tiny");
    }

    private static ModelConfig read(String dir) {
        try {
            return ModelConfig.read(Path.of(Fixtures.class.getResource("/" + dir + "/config.json").toURI()).getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Llama-style config of the given sizes (head dim = hidden / heads). */
    static ModelConfig llama(int layers, int hidden, int heads, int kvHeads, int intermediate) {
        return new ModelConfig(ModelFamily.LLAMA, 257, hidden, layers, heads, kvHeads, hidden / heads, intermediate,
                64, 1e-6, 10_000, null, false, false, false, 1, 2);
    }

    /** A GPT-2 config of the given sizes. */
    static ModelConfig gpt2(int layers, int hidden, int heads) {
        return new ModelConfig(ModelFamily.GPT2, 300, hidden, layers, heads, heads, hidden / heads, 4 * hidden, 64,
                1e-5, 0, null, true, true, true, 50256, 50256);
    }

    /**
     * Synthetic additive scores with diminishing returns: {@code w_site · log(1 + rank)}, weights drawn from the
     * seed in [0.1, 1] and scaled per kind so some kinds matter more than others.
     */
    static SiteScores diminishingScores(SearchSpace space, long seed) {
        Random random = new Random(seed);
        Map<AdapterSite, Double> weight = new HashMap<>();
        for (AdapterSite site : space.sites()) {
            double kindFactor = 0.5 + 0.1 * site.kind().ordinal();
            weight.put(site, kindFactor * (0.1 + 0.9 * random.nextDouble()));
        }
        return (site, rank) -> weight.get(site) * Math.log1p(rank);
    }

    /** Fitness that is exactly the sum of {@code scores} over a plan's sites; counts plans evaluated. */
    static final class AdditiveFitness implements PlanFitness {
        final SiteScores scores;
        final AtomicInteger evaluated = new AtomicInteger();

        AdditiveFitness(SiteScores scores) {
            this.scores = scores;
        }

        @Override
        public List<Evaluation> evaluate(List<AdapterPlan> plans) {
            evaluated.addAndGet(plans.size());
            List<Evaluation> out = new ArrayList<>();
            for (AdapterPlan p : plans) {
                double sum = 0;
                for (Map.Entry<AdapterSite, SiteAdapter> e : p.adapters().entrySet()) {
                    sum += scores.score(e.getKey(), e.getValue().rank());
                }
                out.add(new Evaluation(sum, Map.of("additive", sum)));
            }
            return out;
        }

        @Override
        public Optional<SiteScores> additive() {
            return Optional.of(scores);
        }
    }

    /**
     * A fitness that is not additive: the additive sum plus 0.1 for every layer with at least three adapters, so
     * the GA and NSGA-II see interactions between sites. {@link #additive()} is empty.
     */
    static final class InteractingFitness implements PlanFitness {
        private final AdditiveFitness base;

        InteractingFitness(SiteScores scores) {
            this.base = new AdditiveFitness(scores);
        }

        @Override
        public List<Evaluation> evaluate(List<AdapterPlan> plans) {
            List<Evaluation> sums = base.evaluate(plans);
            List<Evaluation> out = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                Map<Integer, Integer> kindsPerLayer = new HashMap<>();
                plans.get(i).adapters().keySet().forEach(s -> kindsPerLayer.merge(s.layer(), 1, Integer::sum));
                double bonus = 0.1 * kindsPerLayer.values().stream().filter(c -> c >= 3).count();
                double f = sums.get(i).fitness() + bonus;
                out.add(new Evaluation(f, Map.of("additive", sums.get(i).fitness(), "bonus", bonus)));
            }
            return out;
        }

        @Override
        public Optional<SiteScores> additive() {
            return Optional.empty();
        }
    }

    /** Llama-2-7B's 351 sites (shortcuts included, default ranks) under a budget of {@code fraction} of its size. */
    static SearchSpace llama7b(double fraction) {
        ModelConfig model = SyntheticScores.llama7b();
        return SearchSpace.of(model, SpaceOptions.defaults(), Math.round(fraction * model.baseParameters()));
    }

    /** A fitness computed from a plan's genotype in {@code space}. */
    abstract static class GenotypeFitness implements PlanFitness {
        final SearchSpace space;

        GenotypeFitness(SearchSpace space) {
            this.space = space;
        }

        abstract double fitness(int[] rankIndices);

        @Override
        public List<Evaluation> evaluate(List<AdapterPlan> plans) {
            return plans.stream().map(p -> new Evaluation(fitness(space.encode(p)), Map.of())).toList();
        }

        @Override
        public Optional<SiteScores> additive() {
            return Optional.empty();
        }
    }

    /**
     * Diminishing returns within a layer: the sum over layers of (the layer's sites' {@link SyntheticScores})^0.6,
     * so a second adapter in a layer is worth less than the same adapter in a fresh layer. Neither additive nor
     * offering a surrogate: the GA is on its own.
     */
    static final class LayerConcaveFitness extends GenotypeFitness {
        private final SiteScoreTable table;

        LayerConcaveFitness(SearchSpace space, long seed) {
            super(space);
            this.table = SiteScoreTable.of(space, SyntheticScores.heavyTailed(space, seed));
        }

        @Override
        double fitness(int[] g) {
            double[] perLayer = new double[space.config().layers()];
            for (int s = 0; s < g.length; s++) {
                perLayer[space.sites().get(s).layer()] += table.score(s, g[s]);
            }
            return Arrays.stream(perLayer).map(v -> Math.pow(v, 0.6)).sum();
        }
    }

    /**
     * A vote of three proxies that disagree: the geometric mean over three {@link SyntheticScores} tables of the
     * plan's total, each divided by the total of rank 1 on every site (so every proxy counts alike whatever its
     * scale). Not additive; its surrogate is the mean of the normalised tables, as a vote over real proxies could
     * offer.
     */
    static final class VoteFitness extends GenotypeFitness {
        private final SiteScoreTable[] tables = new SiteScoreTable[3];
        private final double[] scale = new double[3];

        VoteFitness(SearchSpace space, long seed) {
            super(space);
            int[] rankOne = new int[space.size()];
            Arrays.fill(rankOne, 1);
            for (int t = 0; t < 3; t++) {
                tables[t] = SiteScoreTable.of(space, SyntheticScores.heavyTailed(space, 31 * seed + t));
                scale[t] = tables[t].total(rankOne);
            }
        }

        @Override
        double fitness(int[] g) {
            double product = 1;
            for (int t = 0; t < 3; t++) {
                product *= tables[t].total(g) / scale[t];
            }
            return Math.cbrt(product);
        }

        @Override
        public Optional<SiteScores> surrogate() {
            return Optional.of((site, rank) -> {
                double sum = 0;
                for (int t = 0; t < 3; t++) {
                    sum += tables[t].score(site, rank) / scale[t];
                }
                return sum / 3;
            });
        }
    }

    /**
     * Small settings so property tests over all strategies stay fast; the top-k rank is the space's middle
     * positive rank (it must be one of the allowed ranks).
     */
    static SearchSettings quick(long seed, SearchSpace space) {
        List<Integer> ranks = space.options().ranks();
        return new SearchSettings(seed, 12, 8, 4, 30, ranks.get((ranks.size() + 1) / 2), 1.0);
    }
}
