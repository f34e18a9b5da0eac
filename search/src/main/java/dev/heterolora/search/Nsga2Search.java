package dev.heterolora.search;

import io.jenetics.ext.moea.NSGA2Selector;
import io.jenetics.ext.moea.UFTournamentSelector;
import io.jenetics.ext.moea.Vec;
import java.util.Optional;

/**
 * {@code nsga2}: Jenetics' multi-objective engine over (fitness ↑, trainable parameters ↓), for seeing what each
 * extra parameter buys rather than only the best plan at the full budget. Objectives are the vector
 * {@code (fitness, −parameters)}, maximised; offspring are picked by the crowded tournament
 * ({@link UFTournamentSelector}), survivors by non-dominated sorting with crowding distance
 * ({@link NSGA2Selector}). The first generation starts from the same {@link Seeds} as {@code ga}.
 *
 * <p>The reported front is the non-dominated set over every plan evaluated in the run (not only the last
 * population), fewest parameters first; the best plan is the front's highest-fitness end
 * (the run's best plan, fewer parameters breaking ties). History and steady
 * fitness follow the fitness objective.
 */
public record Nsga2Search() implements Strategy {

    @Override
    public String name() {
        return "nsga2";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        Optional<Knapsack> additive = Knapsack.of(space, fitness.additive());
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        EngineRun.Evolution run = EngineRun.<Vec<double[]>>evolve(space, recorder, settings,
                Seeds.of(space, settings, fitness, additive), (f, parameters) -> Vec.of(f, -parameters),
                v -> v.data()[0],
                builder -> builder
                        .offspringSelector(UFTournamentSelector.ofVec())
                        .survivorsSelector(NSGA2Selector.ofVec()));
        return recorder.result(name(), recorder.best(), run.history(), recorder.paretoFront(), run.stop(), additive);
    }
}
