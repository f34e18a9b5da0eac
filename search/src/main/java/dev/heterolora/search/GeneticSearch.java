package dev.heterolora.search;

import io.jenetics.EliteSelector;
import io.jenetics.IntegerGene;
import io.jenetics.TournamentSelector;
import java.util.List;
import java.util.Optional;

/**
 * {@code ga}: a single-objective Jenetics GA maximising fitness over feasible (repaired) genotypes, what
 * {@code auto} runs when the fitness is not additive. Tournament selection of size 3 for offspring; survivors keep
 * the two best individuals (elitism) and fill up by tournament, so the best plan found is never lost from the
 * population. The first generation starts from the {@link Seeds} (knapsack optimum and greedy plans of the
 * fitness's per-site scores or surrogate, and the fitting rule baselines). See {@link EngineRun} for genotype,
 * constraint, determinism and limits.
 */
public record GeneticSearch() implements Strategy {

    @Override
    public String name() {
        return "ga";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        return evolve(name(), space, fitness, settings, sink, Knapsack.of(space, fitness.additive()));
    }

    /**
     * The GA under the name {@code strategy}.
     *
     * @param additive the knapsack of the fitness's additive part, if any: it guides the seeds (an additive
     *                 fitness is its own best surrogate) and bounds the result
     */
    static SearchResult evolve(String strategy, SearchSpace space, PlanFitness fitness, SearchSettings settings,
                               TrialSink sink, Optional<Knapsack> additive) {
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        EngineRun.Evolution run = EngineRun.evolve(space, recorder, settings,
                Seeds.of(space, settings, fitness, additive), (f, parameters) -> f, Double::doubleValue,
                builder -> builder
                        .offspringSelector(new TournamentSelector<>(3))
                        .survivorsSelector(new EliteSelector<IntegerGene, Double>(2, new TournamentSelector<>(3))));
        return recorder.result(strategy, recorder.best(), run.history(), List.of(), run.stop(), additive);
    }
}
