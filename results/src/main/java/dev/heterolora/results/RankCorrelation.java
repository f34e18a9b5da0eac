package dev.heterolora.results;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * Rank statistics for "does the proxy predict the trained result?": Spearman's rho, Kendall's tau-b, a seeded
 * BCa bootstrap, and the regret of a proxy's top pick.
 *
 * <p>Spearman's rho is Pearson's correlation of the ranks, ties getting their average rank (Commons Math
 * {@link SpearmansCorrelation}, {@code NaturalRanking} with {@code TiesStrategy.AVERAGE}); Kendall's tau is tau-b,
 * {@code (C - D) / sqrt((n0 - n1)(n0 - n2))} with n1, n2 the pairs tied in x and in y (Commons Math
 * {@link KendallsCorrelation}). Both agree with scipy's {@code spearmanr} and {@code kendalltau} (default tau-b).
 *
 * <p>The methods here take the arrays as they are; {@link Correlation#of} first drops pairs with a non-finite
 * value. A statistic that is undefined (fewer than two pairs, or one side constant) is NaN.
 */
public final class RankCorrelation {
    /** Bootstrap resamples used when none are given. */
    public static final int DEFAULT_RESAMPLES = 2000;
    /** Confidence level of the bootstrap intervals when none is given. */
    public static final double DEFAULT_LEVEL = 0.95;

    private RankCorrelation() {}

    /** Spearman's rank correlation (average ranks for ties); NaN for fewer than two pairs or a constant side. */
    public static double spearman(double[] x, double[] y) {
        checkPairs(x, y);
        if (x.length < 2 || constant(x) || constant(y)) {
            return Double.NaN;
        }
        return new SpearmansCorrelation().correlation(x, y);
    }

    /** Kendall's tau-b (tie-corrected); NaN for fewer than two pairs or a constant side. */
    public static double kendall(double[] x, double[] y) {
        checkPairs(x, y);
        if (x.length < 2 || constant(x) || constant(y)) {
            return Double.NaN;
        }
        return new KendallsCorrelation().correlation(x, y);
    }

    /**
     * A bias-corrected and accelerated (BCa, Efron 1987) bootstrap confidence interval of a paired rank statistic:
     * {@code resamples} times, draw {@code n} pairs with replacement (the same pair indices for x and y) from a
     * {@link SplittableRandom} seeded with {@code seed} and compute the statistic. A resample in which one side is
     * constant carries no rank association and counts as 0 (leaving it out would bias the interval away from 0 when
     * the target is nearly constant). The bias correction z0 comes from the share of resamples below the estimate,
     * the acceleration from the jackknife; the interval's ends are the BCa-adjusted quantiles (linear interpolation,
     * numpy's default), widened where needed so that the interval always contains the point estimate.
     * Deterministic for a seed.
     *
     * @return the interval, or {@link Interval#UNDEFINED} for fewer than three pairs or an undefined estimate
     */
    public static Interval bootstrap(double[] x, double[] y, ToDoubleBiFunction<double[], double[]> statistic,
                                     long seed, int resamples, double level) {
        checkPairs(x, y);
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be positive: " + resamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("confidence level must be in (0, 1): " + level);
        }
        int n = x.length;
        double estimate = n < 3 ? Double.NaN : statistic.applyAsDouble(x, y);
        if (!Double.isFinite(estimate)) {
            return Interval.UNDEFINED;
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[resamples];
        double[] bx = new double[n];
        double[] by = new double[n];
        double below = 0;
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n);
                bx[i] = x[j];
                by[i] = y[j];
            }
            double v = statistic.applyAsDouble(bx, by);
            values[b] = Double.isFinite(v) ? v : 0;
            below += values[b] < estimate ? 1 : values[b] == estimate ? 0.5 : 0;
        }
        Arrays.sort(values);
        NormalDistribution normal = new NormalDistribution(null, 0, 1);
        double share = Math.min(Math.max(below / resamples, 0.5 / resamples), 1 - 0.5 / resamples);
        double z0 = normal.inverseCumulativeProbability(share);
        double a = acceleration(x, y, statistic);
        double zLow = normal.inverseCumulativeProbability((1 - level) / 2);
        double zHigh = -zLow;
        double qLow = normal.cumulativeProbability(z0 + (z0 + zLow) / (1 - a * (z0 + zLow)));
        double qHigh = normal.cumulativeProbability(z0 + (z0 + zHigh) / (1 - a * (z0 + zHigh)));
        double low = quantile(values, Double.isFinite(qLow) ? qLow : (1 - level) / 2);
        double high = quantile(values, Double.isFinite(qHigh) ? qHigh : (1 + level) / 2);
        return new Interval(Math.min(low, estimate), Math.max(high, estimate));
    }

    /** The BCa acceleration from the jackknife (leave-one-out estimates; undefined ones count as 0). */
    private static double acceleration(double[] x, double[] y, ToDoubleBiFunction<double[], double[]> statistic) {
        int n = x.length;
        double[] jack = new double[n];
        double[] jx = new double[n - 1];
        double[] jy = new double[n - 1];
        for (int leave = 0; leave < n; leave++) {
            for (int i = 0, k = 0; i < n; i++) {
                if (i != leave) {
                    jx[k] = x[i];
                    jy[k++] = y[i];
                }
            }
            double v = statistic.applyAsDouble(jx, jy);
            jack[leave] = Double.isFinite(v) ? v : 0;
        }
        double mean = Arrays.stream(jack).average().orElse(0);
        double num = 0;
        double den = 0;
        for (double j : jack) {
            double d = mean - j;
            num += d * d * d;
            den += d * d;
        }
        return den == 0 ? 0 : num / (6 * Math.pow(den, 1.5));
    }

    /**
     * The regret of trusting the proxy: how much worse the plan the proxy ranks first did than the best plan,
     * in the units of {@code achieved}, never negative (0 = the proxy's pick is the best plan).
     * With {@code higherAchievedIsBetter = false} (a loss) that is {@code achieved[top] - min(achieved)}; with
     * {@code true} (an accuracy) {@code max(achieved) - achieved[top]}. When several plans share the top proxy score
     * the pick is their mean result (the expected regret of breaking the tie at random). Pairs with a non-finite
     * value are left out.
     *
     * @return the regret, or NaN when no pair is finite
     */
    public static double regret(double[] proxy, double[] achieved, boolean higherAchievedIsBetter) {
        checkPairs(proxy, achieved);
        double top = Double.NEGATIVE_INFINITY;
        double best = Double.NaN;
        for (int i = 0; i < proxy.length; i++) {
            if (Double.isFinite(proxy[i]) && Double.isFinite(achieved[i])) {
                top = Math.max(top, proxy[i]);
                best = Double.isNaN(best) ? achieved[i]
                        : higherAchievedIsBetter ? Math.max(best, achieved[i]) : Math.min(best, achieved[i]);
            }
        }
        if (Double.isNaN(best)) {
            return Double.NaN;
        }
        double sum = 0;
        int count = 0;
        for (int i = 0; i < proxy.length; i++) {
            if (proxy[i] == top && Double.isFinite(achieved[i])) {
                sum += achieved[i];
                count++;
            }
        }
        double pick = sum / count;
        return Math.max(0, higherAchievedIsBetter ? best - pick : pick - best);
    }

    /** The q-quantile of sorted values, linear interpolation between order statistics (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static boolean constant(double[] v) {
        for (double d : v) {
            if (Double.compare(d, v[0]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkPairs(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("paired samples differ in length: " + x.length + " and " + y.length);
        }
    }
}
