package dev.heterolora.search;

import io.jenetics.Genotype;
import io.jenetics.IntegerGene;
import io.jenetics.Phenotype;
import io.jenetics.UniformCrossover;
import io.jenetics.engine.Constraint;
import io.jenetics.engine.Engine;
import io.jenetics.engine.EvolutionResult;
import io.jenetics.engine.EvolutionStart;
import io.jenetics.engine.Evaluator;
import io.jenetics.util.Factory;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * The Jenetics machinery {@code ga} and {@code nsga2} share; they differ only in the fitness type and selectors.
 *
 * <p>Genotype: one {@link RankChromosome} with one gene per site, gene {@code s} ranging over
 * {@code [0, rankCount(s))} (each gene carries its own range, so crossover and mutation stay within it). The
 * budget is a Jenetics {@link Constraint} whose repair is {@link SearchSpace#repair}, so only feasible genotypes
 * are ever evaluated. Operators: uniform crossover and the {@link RankMutator} (raises paid for by lowering random
 * sites that are on, rank jumps, single steps; every offspring gets at least one move).
 *
 * <p>The first generation is the {@link Seeds}, then random plans that fill the budget sparsely
 * ({@link #randomFill}). Limits: most generations {@link SearchSettings#generationLimit}, steady fitness
 * {@link SearchSettings#steadyLimit}, both of which scale with the number of sites by default. The settings were
 * tuned on Llama-7B's 351 sites with a non-additive fitness and no surrogate: a run ends within 0.3% of runs three
 * times as long (jump and move rates between 0 and 0.5 changed the result by less than that).
 *
 * <p>Determinism: the whole run happens inside {@code RandomRegistry.with(settings.random(), …)} on the calling
 * thread (executor {@code Runnable::run}), and fitness comes from a batch {@link Evaluator} that hands each
 * generation's new plans to the {@link TrialRecorder} at once. The generation loop is driven here rather than by
 * an evolution stream so that each evaluation is labelled with its generation (0 = initial population) and the
 * limits (most generations; steady fitness = no better plan for {@code steadyGenerations} generations, as
 * Jenetics' {@code Limits.bySteadyFitness} but over the run's best plan, which also works for vector fitness) are
 * checked in one place.
 */
final class EngineRun {

    /** Probability that an offspring is crossed (uniform crossover: each gene then swaps with probability 1/2). */
    static final double CROSSOVER = 0.3;
    /** Probability of each further {@link RankMutator} move after the first. */
    static final double MORE_MOVES = 0.3;
    /** Share of {@link RankMutator} moves that raise a site (and pay for it). */
    static final double TRADES = 0.8;
    /** Share of {@link RankMutator} raises that jump to any higher rank rather than one step. */
    static final double JUMPS = 0.2;

    private EngineRun() {}

    /** What a run did: one line per generation (0 = the first population) and why it stopped. */
    record Evolution(List<GenerationStats> history, StopReason stop) {
        /** Generations after the first population. */
        int generations() {
            return history.size() - 1;
        }
    }

    /**
     * Evolves a population and returns the per-generation history; every evaluation goes through
     * {@code recorder}.
     *
     * @param seeds     feasible genotypes that open the first generation (at most the population size)
     * @param objective what the engine maximises for a plan of a ranking fitness
     *                  ({@link ScoredPlan#rankingFitness()}) and a number of parameters
     * @param primary   the single fitness number of an objective value, for the history's median
     * @param configure sets the selectors on a builder that already has evaluator, constraint, population size,
     *                  executor and alterers
     */
    static <C extends Comparable<? super C>> Evolution evolve(
            SearchSpace space, TrialRecorder recorder, SearchSettings settings, List<int[]> seeds,
            BiFunction<Double, Long, C> objective, ToDoubleFunction<C> primary,
            UnaryOperator<Engine.Builder<IntegerGene, C>> configure) {
        return RandomRegistry.with(settings.random(), random -> {
            int[] generation = {0};
            Evaluator<IntegerGene, C> evaluator = population -> {
                List<int[]> pending = new ArrayList<>();
                population.forEach(p -> {
                    if (p.nonEvaluated()) {
                        pending.add(genes(p.genotype()));
                    }
                });
                double[] scored = recorder.evaluate(pending, generation[0]);
                List<Phenotype<IntegerGene, C>> out = new ArrayList<>(population.size());
                int next = 0;
                for (Phenotype<IntegerGene, C> p : population) {
                    if (p.isEvaluated()) {
                        out.add(p);
                    } else {
                        int[] g = pending.get(next);
                        out.add(p.withFitness(objective.apply(scored[next++], space.parameters(g))));
                    }
                }
                return ISeq.of(out);
            };
            Constraint<IntegerGene, C> budget = Constraint.of(
                    p -> space.isFeasible(genes(p.genotype())),
                    (p, g) -> Phenotype.of(genotype(space, space.repair(genes(p.genotype()))), g));
            Factory<Genotype<IntegerGene>> feasible =
                    () -> genotype(space, randomFill(space, RandomRegistry.random()));
            Engine<IntegerGene, C> engine = configure.apply(new Engine.Builder<>(evaluator, feasible)
                    .constraint(budget)
                    .populationSize(settings.population())
                    .executor(Runnable::run)
                    .alterers(new UniformCrossover<>(CROSSOVER), new RankMutator<>(space, MORE_MOVES, TRADES, JUMPS))).build();

            List<GenerationStats> history = new ArrayList<>();
            List<Phenotype<IntegerGene, C>> initial = new ArrayList<>();
            for (int[] seed : seeds) {
                initial.add(Phenotype.of(genotype(space, seed), 1));
            }
            while (initial.size() < settings.population()) {
                initial.add(Phenotype.of(genotype(space, randomFill(space, random)), 1));
            }
            ISeq<Phenotype<IntegerGene, C>> population = engine.eval(ISeq.of(initial));
            history.add(recorder.stats(0, fitness(population, primary), 1.0));

            EvolutionStart<IntegerGene, C> start = EvolutionStart.of(population, 1);
            double best = recorder.best().rankingFitness();
            int steady = 0;
            int limit = settings.generationLimit(space.size());
            int steadyLimit = settings.steadyLimit(space.size());
            for (int g = 1; g <= limit && steady < steadyLimit; g++) {
                generation[0] = g;
                EvolutionResult<IntegerGene, C> result = engine.evolve(start);
                int size = result.population().size();
                history.add(recorder.stats(g, fitness(result.population(), primary),
                        1 - result.invalidCount() / (double) size));
                double now = recorder.best().rankingFitness();
                steady = now > best ? 0 : steady + 1;
                best = Math.max(best, now);
                start = result.next();
            }
            return new Evolution(history, steady >= steadyLimit ? StopReason.STEADY_FITNESS
                    : StopReason.GENERATION_LIMIT);
        });
    }

    /**
     * A random plan that uses the budget sparsely, as good plans do: sites in random order, each at a random
     * positive rank if that still fits. (Every gene drawn uniformly and then repaired gives plans with nearly every
     * site on at a low rank, all alike.)
     */
    static int[] randomFill(SearchSpace space, RandomGenerator random) {
        int n = space.size();
        int[] order = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] g = new int[n];
        long left = space.budget();
        for (int s : order) {
            int i = 1 + random.nextInt(space.rankCount(s) - 1);
            if (space.cost(s, i) <= left) {
                g[s] = i;
                left -= space.cost(s, i);
            }
        }
        return g;
    }

    private static <C extends Comparable<? super C>> double[] fitness(ISeq<Phenotype<IntegerGene, C>> population,
                                                                      ToDoubleFunction<C> primary) {
        return population.stream().mapToDouble(p -> primary.applyAsDouble(p.fitness())).toArray();
    }

    private static int[] genes(Genotype<IntegerGene> genotype) {
        return ((RankChromosome) genotype.chromosome()).rankIndices();
    }

    private static Genotype<IntegerGene> genotype(SearchSpace space, int[] rankIndices) {
        return Genotype.of(RankChromosome.of(space, rankIndices));
    }
}
