package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class Nsga2Test {

    private static boolean dominates(ScoredPlan a, ScoredPlan b) {
        double fa = a.evaluation().fitness();
        double fb = b.evaluation().fitness();
        return fa >= fb && a.parameters() <= b.parameters() && (fa > fb || a.parameters() < b.parameters());
    }

    @Test
    void theFrontIsNonDominatedWithinBudgetAndCoversEveryEvaluatedPlan() {
        SearchSpace space = SearchSpace.of(Fixtures.llamaTiny(), SpaceOptions.defaults(), 20_000);
        PlanFitness fitness = new Fixtures.InteractingFitness(Fixtures.diminishingScores(space, 7));
        TrialLog log = new TrialLog();

        SearchResult result = new Nsga2Search().run(space, fitness, new SearchSettings(7, 40, 40, 40, 1, 8, 1), log);

        List<ScoredPlan> front = result.paretoFront();
        assertThat(front).hasSizeGreaterThan(5);
        for (ScoredPlan a : front) {
            assertThat(a.parameters()).isLessThanOrEqualTo(space.budget());
            assertThat(front).noneMatch(b -> dominates(b, a));
        }
        for (int i = 1; i < front.size(); i++) {
            assertThat(front.get(i).parameters()).isGreaterThan(front.get(i - 1).parameters());
            assertThat(front.get(i).evaluation().fitness()).isGreaterThan(front.get(i - 1).evaluation().fitness());
        }
        for (TrialRecord t : log.trials()) {
            ScoredPlan p = new ScoredPlan(t.plan(), t.parameters(), t.evaluation());
            assertThat(front).anyMatch(f -> f.equals(p) || dominates(f, p)
                    || (f.parameters() == p.parameters() && f.evaluation().fitness() == p.evaluation().fitness()));
        }
        assertThat(result.best()).isEqualTo(front.getLast());
    }
}
