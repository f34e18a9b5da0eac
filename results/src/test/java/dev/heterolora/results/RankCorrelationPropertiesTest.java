package dev.heterolora.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Properties of the rank statistics over random samples with many ties. */
class RankCorrelationPropertiesTest {
    @Property(tries = 200)
    void boundedSymmetricAndRankInvariant(@ForAll("pairs") Tuple.Tuple2<double[], double[]> p) {
        double[] x = p.get1();
        double[] y = p.get2();
        double rho = RankCorrelation.spearman(x, y);
        double tau = RankCorrelation.kendall(x, y);
        if (!Double.isNaN(rho)) {
            assertThat(rho).isBetween(-1 - 1e-12, 1 + 1e-12);
            assertThat(RankCorrelation.spearman(y, x)).isCloseTo(rho, within(1e-12));
            // a strictly increasing transform of x keeps every rank
            double[] cubed = Arrays.stream(x).map(v -> v * v * v + 3 * v).toArray();
            assertThat(RankCorrelation.spearman(cubed, y)).isCloseTo(rho, within(1e-9));
            assertThat(RankCorrelation.kendall(cubed, y)).isCloseTo(tau, within(1e-9));
            // and a decreasing one flips the sign
            double[] negated = Arrays.stream(x).map(v -> -v).toArray();
            assertThat(RankCorrelation.spearman(negated, y)).isCloseTo(-rho, within(1e-9));
        }
        if (!Double.isNaN(tau)) {
            assertThat(tau).isBetween(-1 - 1e-12, 1 + 1e-12);
            assertThat(RankCorrelation.kendall(y, x)).isCloseTo(tau, within(1e-12));
        }
    }

    @Property(tries = 50)
    void regretIsNeverNegativeAndBootstrapBoundsAreOrdered(@ForAll("pairs") Tuple.Tuple2<double[], double[]> p) {
        Correlation c = Correlation.of(p.get1(), p.get2(), false, 1L, 200);
        assertThat(c.regret()).isGreaterThanOrEqualTo(0);
        assertThat(RankCorrelation.regret(p.get1(), p.get2(), true)).isGreaterThanOrEqualTo(0);
        if (c.spearmanCi().defined()) {
            assertThat(c.spearmanCi().low()).isBetween(-1 - 1e-12, c.spearmanCi().high());
        }
    }

    @Provide
    Arbitrary<Tuple.Tuple2<double[], double[]>> pairs() {
        return Arbitraries.integers().between(2, 25).flatMap(n -> {
            Arbitrary<double[]> side = Arbitraries.integers().between(-4, 4).array(int[].class).ofSize(n)
                    .map(a -> Arrays.stream(a).asDoubleStream().toArray());
            return Combinators.combine(side, side).as(Tuple::of);
        });
    }
}
