package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.core.HeteroloraException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The budget guarantee: no strategy ever records a plan over the budget, whatever the model and budget. */
class BudgetPropertyTest {

    @Provide
    Arbitrary<SearchSpace> spaces() {
        return SpacesArbitrary.spaces();
    }

    @Provide
    Arbitrary<Strategy> strategies() {
        return Arbitraries.of(Strategy.all());
    }

    @Property(tries = 300)
    void noRecordedPlanExceedsTheBudget(@ForAll("spaces") SearchSpace space, @ForAll("strategies") Strategy strategy,
                                        @ForAll long seed) {
        Fixtures.AdditiveFitness fitness = new Fixtures.AdditiveFitness(Fixtures.diminishingScores(space, seed));
        TrialLog log = new TrialLog();
        SearchResult result;
        try {
            result = strategy.run(space, fitness, Fixtures.quick(seed, space), log);
        } catch (HeteroloraException e) {
            // the rule baselines may have no plan at all under a tight budget, or no site of their kinds; they say so
            assertThat(strategy.name()).isIn("uniform", "peft-default", "all-linear", "topk");
            assertThat(e.getMessage()).containsAnyOf("no " + strategy.name() + " plan fits the budget of ",
                    strategy.name() + ": the search space has no ");
            assertThat(log.trials()).isEmpty();
            return;
        }

        assertThat(log.trials()).isNotEmpty().allSatisfy(t -> {
            assertThat(t.parameters()).isLessThanOrEqualTo(space.budget())
                    .isEqualTo(t.plan().validateFor(space.config()).trainableParameters(space.config()));
            assertThat(t.feasible()).isTrue();
        });
        assertThat(result.best().parameters()).isLessThanOrEqualTo(space.budget());
        assertThat(result.evaluations()).isEqualTo(log.trials().size());
        assertThat(log.plans()).doesNotHaveDuplicates();
    }
}
