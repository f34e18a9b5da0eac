package dev.heterolora.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Spearman, Kendall tau-b, bootstrap and regret against values from scipy 1.17 and by hand. */
class RankCorrelationTest {
    private static final double EPS = 1e-12;

    @Test
    void spearmanAveragesTiedRanksAsScipy() {
        // scipy.stats.spearmanr([1,2,2,3],[1,3,2,4]) = 0.9486832980505139 = 4.5 / sqrt(4.5 * 5) on ranks [1,2.5,2.5,4]
        assertThat(RankCorrelation.spearman(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}))
                .isCloseTo(0.9486832980505139, within(EPS));
        assertThat(RankCorrelation.spearman(new double[] {1, 1, 2, 2, 3}, new double[] {1, 2, 1, 3, 3}))
                .isCloseTo(0.5833333333333334, within(EPS));
        assertThat(RankCorrelation.spearman(new double[] {3.5, 1, 2, 2, 5, 4, 4, 0}, new double[] {10, 2, 2, 3, 9, 7, 8, 1}))
                .isCloseTo(0.8303182796309342, within(EPS));
        assertThat(RankCorrelation.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}))
                .isCloseTo(0.8207826816681233, within(EPS));
        assertThat(RankCorrelation.spearman(new double[] {1, 2, 3, 4, 5, 6}, new double[] {6, 5, 4, 3, 2, 1}))
                .isCloseTo(-1.0, within(EPS));
    }

    @Test
    void kendallIsTauBAsScipy() {
        // [1,2,2,3] vs [1,3,2,4]: 5 concordant, 0 discordant, 1 pair tied in x: 5 / sqrt((6-1)(6-0)) = 0.9128709291752769
        assertThat(RankCorrelation.kendall(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}))
                .isCloseTo(5 / Math.sqrt(30), within(EPS)).isCloseTo(0.912870929175277, within(EPS));
        // [1,1,2,2,3] vs [1,2,1,3,3]: C = 5, D = 1, 2 pairs tied in x, 2 in y: 4 / sqrt(8 * 8) = 0.5
        assertThat(RankCorrelation.kendall(new double[] {1, 1, 2, 2, 3}, new double[] {1, 2, 1, 3, 3}))
                .isCloseTo(0.5, within(EPS));
        assertThat(RankCorrelation.kendall(new double[] {3.5, 1, 2, 2, 5, 4, 4, 0}, new double[] {10, 2, 2, 3, 9, 7, 8, 1}))
                .isCloseTo(0.7171087882915773, within(EPS));
        assertThat(RankCorrelation.kendall(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}))
                .isCloseTo(0.7378647873726218, within(EPS));
        assertThat(RankCorrelation.kendall(new double[] {1, 2, 3, 4, 5, 6}, new double[] {6, 5, 4, 3, 2, 1}))
                .isCloseTo(-1.0, within(EPS));
    }

    @Test
    void undefinedCasesAreNaN() {
        assertThat(RankCorrelation.spearman(new double[] {1}, new double[] {2})).isNaN();
        assertThat(RankCorrelation.kendall(new double[0], new double[0])).isNaN();
        assertThat(RankCorrelation.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3})).isNaN();
        assertThat(RankCorrelation.kendall(new double[] {1, 2, 3}, new double[] {4, 4, 4})).isNaN();
        assertThatThrownBy(() -> RankCorrelation.spearman(new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in length");
    }

    @Test
    void quantileInterpolatesAsNumpy() {
        double[] sorted = {0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9};
        // numpy.percentile([0.3,0.1,0.9,0.5,0.7,0.2,0.8], [2.5, 97.5, 50]) = 0.115, 0.885, 0.5
        assertThat(RankCorrelation.quantile(sorted, 0.025)).isCloseTo(0.115, within(EPS));
        assertThat(RankCorrelation.quantile(sorted, 0.975)).isCloseTo(0.885, within(EPS));
        assertThat(RankCorrelation.quantile(sorted, 0.5)).isCloseTo(0.5, within(EPS));
    }

    @Test
    void bootstrapIsDeterministicForASeedAndContainsTheEstimate() {
        double[] x = {0.3, 1.2, 2.2, 2.0, 4.1, 5.5, 5.0, 7.3, 8.8, 9.1, 10.4, 11.0};
        double[] y = {1.0, 0.8, 2.5, 3.1, 3.0, 6.2, 4.9, 7.7, 7.1, 9.9, 9.0, 12.5};
        Correlation a = Correlation.of(x, y, true, 42L, 2000);
        Correlation b = Correlation.of(x, y, true, 42L, 2000);
        Correlation c = Correlation.of(x, y, true, 43L, 2000);
        assertThat(a).isEqualTo(b);
        assertThat(c.spearmanCi()).isNotEqualTo(a.spearmanCi());
        assertThat(a.spearmanCi().contains(a.spearman())).isTrue();
        assertThat(a.kendallCi().contains(a.kendall())).isTrue();
        assertThat(a.spearmanCi().low()).isGreaterThan(0.5);
        assertThat(a.spearmanCi().high()).isLessThanOrEqualTo(1.0);
        assertThat(a.kendallCi().low()).isGreaterThanOrEqualTo(-1.0);
        assertThat(a.n()).isEqualTo(12);
    }

    @Test
    void bootstrapOnANearlyConstantTargetStillContainsTheEstimate() {
        // the validation the issue reported: 8 plans, oracle accuracy 0.18-0.19 with ties; the percentile bootstrap
        // that dropped degenerate resamples gave rho = -0.522 with the interval [-0.835, -0.525]
        double[] proxy = {0.91, 0.85, 0.77, 0.64, 0.52, 0.40, 0.33, 0.12};
        double[] accuracy = {0.18, 0.18, 0.185, 0.18, 0.19, 0.19, 0.185, 0.19};
        for (long seed = 0; seed < 20; seed++) {
            Correlation c = Correlation.of(proxy, accuracy, true, seed, 2000);
            assertThat(c.spearmanCi().contains(c.spearman())).as("seed %d: %s", seed, c).isTrue();
            assertThat(c.kendallCi().contains(c.kendall())).as("seed %d: %s", seed, c).isTrue();
            assertThat(c.spearmanCi().low()).isGreaterThanOrEqualTo(-1.0);
            assertThat(c.spearmanCi().high()).isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void bootstrapOfTooFewPairsIsUndefined() {
        assertThat(RankCorrelation.bootstrap(new double[] {1}, new double[] {1}, RankCorrelation::spearman, 1, 100, 0.95))
                .isEqualTo(Interval.UNDEFINED);
        assertThat(RankCorrelation.bootstrap(new double[] {1, 2, 3}, new double[] {4, 4, 4}, RankCorrelation::spearman,
                1, 100, 0.95)).as("undefined estimate (constant target)").isEqualTo(Interval.UNDEFINED);
        assertThatThrownBy(() -> RankCorrelation.bootstrap(new double[] {1, 2}, new double[] {1, 2},
                RankCorrelation::spearman, 1, 0, 0.95)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void regretOfALossIsTheTopPicksGapToTheBestPlan() {
        double[] proxy = {0.9, 0.5, 0.7, 0.1};
        double[] loss = {1.30, 1.10, 1.25, 1.40};
        // the proxy picks plan 0 (loss 1.30); the best plan has loss 1.10: regret 0.20
        assertThat(RankCorrelation.regret(proxy, loss, false)).isCloseTo(0.20, within(EPS));
        // as an accuracy (higher better) the best is 1.40: regret 0.10
        assertThat(RankCorrelation.regret(proxy, loss, true)).isCloseTo(0.10, within(EPS));
        // a perfect pick has no regret
        assertThat(RankCorrelation.regret(new double[] {1, 3, 2}, new double[] {2.0, 1.0, 1.5}, false)).isZero();
        // tied top scores: the mean of the tied plans' results (1.0 and 2.0 -> 1.5), best 1.0: regret 0.5
        assertThat(RankCorrelation.regret(new double[] {5, 5, 1}, new double[] {1.0, 2.0, 3.0}, false))
                .isCloseTo(0.5, within(EPS));
        // non-finite pairs are left out: plan 0 has no loss, so the pick is plan 2
        assertThat(RankCorrelation.regret(new double[] {9, 1, 5}, new double[] {Double.NaN, 1.0, 1.2}, false))
                .isCloseTo(0.2, within(EPS));
        assertThat(RankCorrelation.regret(new double[] {1}, new double[] {Double.NaN}, false)).isNaN();
    }

    @Test
    void correlationIsOrientedSoThatPositiveMeansTheProxyPredictsBetterResults() {
        double[] proxy = {1, 2, 3, 4, 5};
        double[] loss = {2.0, 1.8, 1.7, 1.5, 1.1};
        Correlation c = Correlation.of(proxy, loss, false);
        assertThat(c.spearman()).isCloseTo(1.0, within(EPS));
        assertThat(c.kendall()).isCloseTo(1.0, within(EPS));
        assertThat(c.regret()).isZero();
        Correlation backwards = Correlation.of(proxy, loss, true);
        assertThat(backwards.spearman()).isCloseTo(-1.0, within(EPS));
        assertThat(backwards.regret()).isCloseTo(0.9, within(EPS));
    }

    @Test
    void correlationDropsNonFinitePairsAndRoundTripsThroughTheStoredRecord() {
        double[] proxy = {1, Double.NaN, 3, 4, 5, 2};
        double[] loss = {2.0, 1.0, Double.POSITIVE_INFINITY, 1.5, 1.1, 1.9};
        Correlation c = Correlation.of(proxy, loss, false, 5L, 300);
        assertThat(c.n()).isEqualTo(4);
        assertThat(c.spearman()).isCloseTo(1.0, within(EPS));
        var stored = c.toRecord(9L, "snip", "trained_loss");
        assertThat(stored.n()).isEqualTo(4);
        assertThat(stored.spearmanLow()).isEqualTo(c.spearmanCi().low());
        assertThat(Correlation.from(stored)).isEqualTo(c);
    }
}
