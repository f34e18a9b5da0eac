package dev.heterolora.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.core.Budget.Kind;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

class BudgetPropertyTest {

    /** Fractions in (0, 1]: every magnitude down to subnormals, plus short decimals such as users type. */
    @Provide
    Arbitrary<Double> fractions() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1, Double.doubleToLongBits(1.0)).map(Double::longBitsToDouble),
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.ONE).ofScale(6)
                        .filter(d -> d.signum() > 0).map(BigDecimal::doubleValue));
    }

    @Property
    void fractionLimitIsTheFloorOfTheShareAndTheTextRoundTrips(
            @ForAll("fractions") double fraction,
            @ForAll @LongRange(min = 0, max = 1_000_000_000_000_000L) long base) {
        Budget budget = new Budget(Kind.FRACTION, fraction);
        BigDecimal share = new BigDecimal(Double.toString(fraction)).multiply(BigDecimal.valueOf(base));

        long limit = budget.limit(base);

        assertThat(BigDecimal.valueOf(limit)).isLessThanOrEqualTo(share).isGreaterThan(share.subtract(BigDecimal.ONE));
        assertThat(Budget.parse(budget.toString())).isEqualTo(budget);
    }

    @Property
    void countLimitIgnoresTheBaseAndTheTextRoundTrips(
            @ForAll @LongRange(min = 1, max = 1L << 53) long count,
            @ForAll @LongRange(min = 0) long base) {
        Budget budget = new Budget(Kind.ABSOLUTE, count);

        assertThat(budget.limit(base)).isEqualTo(count);
        assertThat(Budget.parse(budget.toString())).isEqualTo(budget);
    }
}
