package dev.heterolora.app;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.search.AlphaRule;
import dev.heterolora.search.Evaluation;
import dev.heterolora.search.PlanFitness;
import dev.heterolora.search.SiteScores;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The zero-cost proxies as the search's fitness: plans are scored by a {@link PlanScorer}; when its objective is
 * additive, the per-(site, rank) table uses the space's alpha rule for each rank's scale α/r.
 */
public final class ProxyPlanFitness implements PlanFitness {
    private final PlanScorer scorer;
    private final AlphaRule alpha;

    public ProxyPlanFitness(PlanScorer scorer, AlphaRule alpha) {
        this.scorer = scorer;
        this.alpha = alpha;
    }

    @Override
    public List<Evaluation> evaluate(List<AdapterPlan> plans) {
        List<Evaluation> out = new ArrayList<>(plans.size());
        for (PlanScorer.Scored s : scorer.score(plans)) {
            out.add(new Evaluation(s.fitness(), s.scores()));
        }
        return out;
    }

    @Override
    public Optional<SiteScores> additive() {
        if (!scorer.isAdditive()) {
            return Optional.empty();
        }
        return Optional.of((site, rank) -> rank == 0 ? 0
                : scorer.siteScore(scorer.objectiveProxy(), site, rank, alpha.alpha(rank) / rank));
    }
}
