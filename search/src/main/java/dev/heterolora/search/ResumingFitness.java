package dev.heterolora.search;

import dev.heterolora.core.AdapterPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fitness for {@code heterolora search --resume}: the interrupted study's trials answer first, the real fitness
 * the rest. Re-running the same deterministic search from its seed with this fitness costs nothing until it gets
 * past the stored trials, and then continues exactly as the interrupted run would have. Pair it with
 * {@link TrialSink#skipping(int)} so the stored trials are not written again.
 */
public final class ResumingFitness implements PlanFitness {

    private final Map<AdapterPlan, Evaluation> stored;
    private final PlanFitness delegate;

    public ResumingFitness(List<TrialRecord> trials, PlanFitness delegate) {
        this.stored = TrialRecord.index(trials);
        this.delegate = delegate;
    }

    /** Stored evaluations where there are any; the other plans go to the delegate in one batch, in order. */
    @Override
    public List<Evaluation> evaluate(List<AdapterPlan> plans) {
        List<AdapterPlan> missing = plans.stream().filter(p -> !stored.containsKey(p)).toList();
        List<Evaluation> computed = missing.isEmpty() ? List.of() : delegate.evaluate(missing);
        List<Evaluation> out = new ArrayList<>(plans.size());
        int next = 0;
        for (AdapterPlan p : plans) {
            Evaluation e = stored.get(p);
            out.add(e != null ? e : computed.get(next++));
        }
        return out;
    }

    @Override
    public Optional<SiteScores> additive() {
        return delegate.additive();
    }

    @Override
    public Optional<SiteScores> surrogate() {
        return delegate.surrogate();
    }
}
