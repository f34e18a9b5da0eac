package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RepairPropertyTest {

    @Provide
    Arbitrary<SearchSpace> spaces() {
        return SpacesArbitrary.spaces();
    }

    @Property(tries = 500)
    void repairIsWithinBudgetIdempotentAndOnlyLowersRanks(@ForAll("spaces") SearchSpace space, @ForAll long seed) {
        int[] genotype = space.randomGenotype(new Random(seed));

        int[] repaired = space.repair(genotype);

        assertThat(space.parameters(repaired)).isLessThanOrEqualTo(space.budget());
        assertThat(space.repair(repaired)).isEqualTo(repaired);
        for (int s = 0; s < genotype.length; s++) {
            assertThat(repaired[s]).isBetween(0, genotype[s]);
        }
        if (space.isFeasible(genotype)) {
            assertThat(repaired).isEqualTo(genotype);
        }
        assertThat(space.toPlan(repaired).trainableParameters(space.config())).isEqualTo(space.parameters(repaired));
        assertThat(space.encode(space.toPlan(repaired))).isEqualTo(repaired);
    }
}
