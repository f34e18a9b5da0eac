package dev.heterolora.search;

import java.util.List;

/**
 * What a strategy run produced: the plan to hand to {@code heterolora train --best}, how much searching it took,
 * how good the answer is known to be, the per-generation history the CLI and the report show, and for
 * multi-objective strategies the Pareto front.
 *
 * @param strategy    the strategy's name ({@link Strategy#name()})
 * @param best        the chosen plan (for baselines with a fixed rule, the plan the rule picks)
 * @param evaluations distinct plans evaluated (and sent to the sink)
 * @param history     one entry per generation (one in all for single-batch strategies)
 * @param paretoFront the non-dominated plans over (fitness ↑, parameters ↓), fewest parameters first; empty for
 *                    single-objective strategies
 * @param quality     why the run stopped and, for additive fitness, the optimum or an upper bound and the gap
 */
public record SearchResult(String strategy, ScoredPlan best, int evaluations, List<GenerationStats> history,
                           List<ScoredPlan> paretoFront, Quality quality) {
    public SearchResult {
        history = List.copyOf(history);
        paretoFront = List.copyOf(paretoFront);
    }
}
