package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code topk}, the HeteroLoRA paper's own placement rule: score every site by its additive (proxy) score at one
 * fixed rank ({@code topkRank}, default 8, capped per site), then enable sites at that rank in order of score
 * (ties: site order), skipping any that would exceed the budget, until {@code ceil(topkFraction · sites)} are on
 * or none is left (fraction 1 = as many as fit). One evaluation: the resulting plan.
 *
 * <p>Needs the fitness's additive part ({@link PlanFitness#additive()}).
 */
public record TopKSearch() implements Strategy {

    @Override
    public String name() {
        return "topk";
    }

    @Override
    public SearchResult run(SearchSpace space, PlanFitness fitness, SearchSettings settings, TrialSink sink) {
        SiteScoreTable table = SiteScoreTable.require(this, space, fitness);
        int rank = settings.topkRank();
        if (!space.options().ranks().contains(rank)) {
            throw new HeteroloraException("top-k rank " + rank + " is not one of the allowed ranks "
                    + space.options().ranks());
        }
        int[] at = IntStream.range(0, space.size()).map(s -> space.indexAtMost(s, rank)).toArray();
        List<Integer> order = IntStream.range(0, space.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer s) -> table.score(s, at[s])).reversed()
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        int limit = (int) Math.ceil(settings.topkFraction() * space.size());
        int[] g = new int[space.size()];
        long total = 0;
        int enabled = 0;
        for (int s : order) {
            if (enabled == limit) {
                break;
            }
            if (total + space.cost(s, at[s]) <= space.budget()) {
                g[s] = at[s];
                total += space.cost(s, at[s]);
                enabled++;
            }
        }
        if (enabled == 0) {
            throw new HeteroloraException("top-k: no site fits the budget of " + space.budget()
                    + " parameters at rank " + rank);
        }
        TrialRecorder recorder = new TrialRecorder(space, fitness, sink);
        List<ScoredPlan> scored = recorder.evaluate(List.of(g), 0);
        return recorder.result(name(), scored.getFirst(), List.of(recorder.stats(scored, 1.0)));
    }
}
