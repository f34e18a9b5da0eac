package dev.heterolora.results;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * Rank statistics for "does the proxy predict the trained result?": Spearman's rho, Kendall's tau-b, a seeded
 * percentile bootstrap, and the regret of a proxy's top pick.
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
     * A percentile bootstrap confidence interval of a paired statistic: {@code resamples} times, draw
     * {@code n} pairs with replacement (the same pair indices for x and y) from a {@link SplittableRandom} seeded
     * with {@code seed}, compute the statistic, and take the {@code (1-level)/2} and {@code (1+level)/2} quantiles
     * of the finite results (linear interpolation between order statistics, numpy's default). Resamples where the
     * statistic is undefined (e.g. every draw the same pair) are left out. Deterministic for a seed.
     *
     * @return the interval, or {@link Interval#UNDEFINED} for fewer than two pairs or no finite resample
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
        if (n < 2) {
            return Interval.UNDEFINED;
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[resamples];
        int finite = 0;
        double[] bx = new double[n];
        double[] by = new double[n];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n);
                bx[i] = x[j];
                by[i] = y[j];
            }
            double v = statistic.applyAsDouble(bx, by);
            if (Double.isFinite(v)) {
                values[finite++] = v;
            }
        }
        if (finite == 0) {
            return Interval.UNDEFINED;
        }
        double[] sorted = Arrays.copyOf(values, finite);
        Arrays.sort(sorted);
        return new Interval(quantile(sorted, (1 - level) / 2), quantile(sorted, (1 + level) / 2));
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
