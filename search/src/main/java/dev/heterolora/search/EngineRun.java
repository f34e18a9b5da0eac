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
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * The Jenetics machinery {@code ga} and {@code nsga2} share; they differ only in the fitness type and selectors.
 *
 * <p>Genotype: one {@link RankChromosome} with one gene per site, gene {@code s} ranging over
 * {@code [0, rankCount(s))} (each gene carries its own range, so crossover and mutation stay within it). The
 * budget is a Jenetics {@link Constraint} whose repair is {@link SearchSpace#repair}; new random individuals are
 * repaired as they are made, so only feasible genotypes are ever evaluated. Operators: uniform crossover and the
 * {@link RankMutator} (rank steps and budget-neutral trades; every offspring gets at least one move).
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
    /** Share of {@link RankMutator} moves that are trades. */
    static final double TRADES = 0.8;

    private EngineRun() {}

    /**
     * Evolves a population and returns the per-generation history; every evaluation goes through
     * {@code recorder}.
     *
     * @param objective what the engine maximises for a scored plan
     * @param primary   the single fitness number of an objective value, for the history's median
     * @param configure sets the selectors on a builder that already has evaluator, constraint, population size,
     *                  executor and alterers
     */
    static <C extends Comparable<? super C>> List<GenerationStats> evolve(
            SearchSpace space, TrialRecorder recorder, SearchSettings settings, Function<ScoredPlan, C> objective,
            ToDoubleFunction<C> primary, UnaryOperator<Engine.Builder<IntegerGene, C>> configure) {
        return RandomRegistry.with(settings.random(), random -> {
            int[] generation = {0};
            Evaluator<IntegerGene, C> evaluator = population -> {
                List<int[]> pending = new ArrayList<>();
                population.forEach(p -> {
                    if (p.nonEvaluated()) {
                        pending.add(genes(p.genotype()));
                    }
                });
                List<ScoredPlan> scored = recorder.evaluate(pending, generation[0]);
                List<Phenotype<IntegerGene, C>> out = new ArrayList<>(population.size());
                int next = 0;
                for (Phenotype<IntegerGene, C> p : population) {
                    out.add(p.isEvaluated() ? p : p.withFitness(objective.apply(scored.get(next++))));
                }
                return ISeq.of(out);
            };
            Constraint<IntegerGene, C> budget = Constraint.of(
                    p -> space.isFeasible(genes(p.genotype())),
                    (p, g) -> Phenotype.of(genotype(space, space.repair(genes(p.genotype()))), g));
            Factory<Genotype<IntegerGene>> feasible =
                    () -> genotype(space, space.repair(space.randomGenotype(RandomRegistry.random())));
            Engine<IntegerGene, C> engine = configure.apply(new Engine.Builder<>(evaluator, feasible)
                    .constraint(budget)
                    .populationSize(settings.population())
                    .executor(Runnable::run)
                    .alterers(new UniformCrossover<>(CROSSOVER), new RankMutator<>(MORE_MOVES, TRADES))).build();

            List<GenerationStats> history = new ArrayList<>();
            int bred = 0;
            List<Phenotype<IntegerGene, C>> initial = new ArrayList<>();
            for (int i = 0; i < settings.population(); i++) {
                int[] raw = space.randomGenotype(random);
                bred += space.isFeasible(raw) ? 1 : 0;
                initial.add(Phenotype.of(genotype(space, space.repair(raw)), 1));
            }
            ISeq<Phenotype<IntegerGene, C>> population = engine.eval(ISeq.of(initial));
            history.add(recorder.stats(0, fitness(population, primary), bred / (double) population.size()));

            EvolutionStart<IntegerGene, C> start = EvolutionStart.of(population, 1);
            double best = recorder.best().rankingFitness();
            int steady = 0;
            for (int g = 1; g <= settings.generations() && steady < settings.steadyGenerations(); g++) {
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
            return history;
        });
    }

    private static <C extends Comparable<? super C>> double[] fitness(ISeq<Phenotype<IntegerGene, C>> population,
                                                                      ToDoubleFunction<C> primary) {
        return population.stream().mapToDouble(p -> primary.applyAsDouble(p.fitness())).toArray();
    }

    private static int[] genes(Genotype<IntegerGene> genotype) {
        return genotype.chromosome().stream().mapToInt(IntegerGene::intValue).toArray();
    }

    private static Genotype<IntegerGene> genotype(SearchSpace space, int[] rankIndices) {
        IntegerGene[] genes = new IntegerGene[rankIndices.length];
        for (int s = 0; s < genes.length; s++) {
            genes[s] = IntegerGene.of(rankIndices[s], 0, space.rankCount(s));
        }
        return Genotype.of(new RankChromosome(ISeq.of(genes)));
    }
}
