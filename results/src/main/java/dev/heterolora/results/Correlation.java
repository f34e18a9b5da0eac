package dev.heterolora.results;

import dev.heterolora.studies.ValidationCorrelation;
import java.util.Arrays;
import java.util.Objects;

/**
 * How well a proxy's scores predict what plans achieved when trained: Spearman's rho and Kendall's tau-b with
 * bootstrap confidence intervals, the regret of the proxy's top pick, and the number of plans used.
 *
 * <p><b>Sign convention.</b> Proxy scores are "higher = better plan" (the search maximises them). The correlations
 * are computed against the achieved result oriented the same way (negated when lower is better, as for a loss),
 * so a positive value always means the proxy ranks plans the way training does, and a negative one that it ranks
 * them backwards. Regret is never negative: the gap, in the result's units, between the proxy's top pick and the best
 * plan (see {@link RankCorrelation#regret}).
 *
 * @param n plans with a finite proxy score and a finite result (the others are left out)
 */
public record Correlation(double spearman, double kendall, Interval spearmanCi, Interval kendallCi, double regret,
                          int n) {
    /** Requires the intervals. */
    public Correlation {
        Objects.requireNonNull(spearmanCi, "spearmanCi");
        Objects.requireNonNull(kendallCi, "kendallCi");
    }

    /**
     * Computes the statistics over the pairs where both values are finite.
     *
     * @param proxy                  each plan's proxy score (higher = predicted better)
     * @param achieved               each plan's trained result
     * @param higherAchievedIsBetter {@code false} for a loss, {@code true} for an accuracy
     * @param seed                   bootstrap seed (same seed, same intervals)
     * @param bootstrap              bootstrap resamples, e.g. {@link RankCorrelation#DEFAULT_RESAMPLES}; 95% intervals
     */
    public static Correlation of(double[] proxy, double[] achieved, boolean higherAchievedIsBetter, long seed,
                                 int bootstrap) {
        if (proxy.length != achieved.length) {
            throw new IllegalArgumentException("paired samples differ in length: " + proxy.length + " and "
                    + achieved.length);
        }
        int[] keep = java.util.stream.IntStream.range(0, proxy.length)
                .filter(i -> Double.isFinite(proxy[i]) && Double.isFinite(achieved[i])).toArray();
        double[] x = Arrays.stream(keep).mapToDouble(i -> proxy[i]).toArray();
        double[] y = Arrays.stream(keep).mapToDouble(i -> higherAchievedIsBetter ? achieved[i] : -achieved[i]).toArray();
        double level = RankCorrelation.DEFAULT_LEVEL;
        return new Correlation(RankCorrelation.spearman(x, y), RankCorrelation.kendall(x, y),
                RankCorrelation.bootstrap(x, y, RankCorrelation::spearman, seed, bootstrap, level),
                RankCorrelation.bootstrap(x, y, RankCorrelation::kendall, seed, bootstrap, level),
                RankCorrelation.regret(proxy, achieved, higherAchievedIsBetter), keep.length);
    }

    /** {@link #of(double[], double[], boolean, long, int)} with seed 0 and 2000 resamples. */
    public static Correlation of(double[] proxy, double[] achieved, boolean higherAchievedIsBetter) {
        return of(proxy, achieved, higherAchievedIsBetter, 0L, RankCorrelation.DEFAULT_RESAMPLES);
    }

    /** The row to store with {@code StudyStorage.recordCorrelation}; target is one of {@link ValidationCorrelation#TARGETS}. */
    public ValidationCorrelation toRecord(long runId, String proxy, String target) {
        return new ValidationCorrelation(runId, proxy, target, spearman, kendall, spearmanCi.low(), spearmanCi.high(),
                kendallCi.low(), kendallCi.high(), regret, n);
    }

    /** Reads a stored row back (NaN bounds become {@link Interval#UNDEFINED}). */
    public static Correlation from(ValidationCorrelation r) {
        return new Correlation(r.spearman(), r.kendall(), interval(r.spearmanLow(), r.spearmanHigh()),
                interval(r.kendallLow(), r.kendallHigh()), r.regret(), r.n());
    }

    private static Interval interval(double low, double high) {
        return Double.isFinite(low) && Double.isFinite(high) && low <= high ? new Interval(low, high) : Interval.UNDEFINED;
    }
}
