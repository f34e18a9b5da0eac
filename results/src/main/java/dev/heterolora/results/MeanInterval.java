package dev.heterolora.results;

import java.util.Arrays;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * A mean over a few independent repeats (seeds) with its Student-t 95 % confidence interval: how experiment tables
 * say how sure a number is. With one value the interval is undefined (NaN ends); with none the mean is NaN too.
 *
 * @param n the values that were finite
 */
public record MeanInterval(double mean, double low, double high, int n) {
    /** Confidence level of the intervals. */
    public static final double LEVEL = 0.95;

    /** The mean of the finite values and the t interval around it. */
    public static MeanInterval of(double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).toArray();
        int n = v.length;
        if (n == 0) {
            return new MeanInterval(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double mean = Arrays.stream(v).average().orElseThrow();
        if (n == 1) {
            return new MeanInterval(mean, Double.NaN, Double.NaN, 1);
        }
        double ss = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum();
        double se = Math.sqrt(ss / (n - 1) / n);
        double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.5 + LEVEL / 2);
        return new MeanInterval(mean, mean - t * se, mean + t * se, n);
    }

    /** Whether the interval lies entirely above 0 (a paired difference that is positive beyond noise). */
    public boolean above(double value) {
        return low > value;
    }

    /** Whether the interval lies entirely below {@code value}. */
    public boolean below(double value) {
        return high < value;
    }

    /** "0.512 ± 0.013" (half-width), or just the mean when the interval is undefined. */
    public String format(String pattern) {
        String m = String.format(pattern, mean);
        return Double.isFinite(low) ? m + " ± " + String.format(pattern, (high - low) / 2) : m;
    }
}
