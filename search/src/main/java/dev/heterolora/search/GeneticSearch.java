package dev.heterolora.search;

import io.jenetics.EliteSelector;
import io.jenetics.IntegerGene;
import io.jenetics.TournamentSelector;

/**
 * {@code ga}, the default strategy: a single-objective Jenetics GA maximising fitness over feasible (repaired)
 * genotypes. Tournament selection of size 3 for offspring; survivors keep the two best individuals (elitism) and
 * fill up by tournament, so the best plan found is never lost from the population. See {@link EngineRun} for
 * genotype, constraint, determinism and limits.
 */
public record GeneticSearch() implements Strategy {

    @Override
    public String name() {
        return "ga";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        var history = EngineRun.evolve(space, recorder, settings, ScoredPlan::rankingFitness, Double::doubleValue,
                builder -> builder
                        .offspringSelector(new TournamentSelector<>(3))
                        .survivorsSelector(new EliteSelector<IntegerGene, Double>(2, new TournamentSelector<>(3))));
        return recorder.result(name(), recorder.best(), history);
    }
}
