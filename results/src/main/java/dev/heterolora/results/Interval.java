package dev.heterolora.results;

/**
 * A closed interval, e.g. a bootstrap confidence interval; both ends NaN when it could not be computed.
 */
public record Interval(double low, double high) {
    /** The interval that could not be computed. */
    public static final Interval UNDEFINED = new Interval(Double.NaN, Double.NaN);

    /** Rejects {@code low > high}. */
    public Interval {
        if (low > high) {
            throw new IllegalArgumentException("interval low " + low + " > high " + high);
        }
    }

    /** Whether both ends are finite. */
    public boolean defined() {
        return Double.isFinite(low) && Double.isFinite(high);
    }

    /** Whether {@code value} lies in {@code [low, high]} (false when undefined). */
    public boolean contains(double value) {
        return defined() && value >= low && value <= high;
    }
}
