package dev.heterolora.core;

/**
 * Rank and alpha of the adapter at one site; the adapter's output is scaled by {@code alpha / rank} as in PEFT.
 */
public record SiteAdapter(int rank, double alpha) {
    public SiteAdapter {
        if (rank <= 0) {
            throw new HeteroloraException("adapter rank must be positive, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new HeteroloraException("adapter alpha must be a positive finite number, got " + alpha);
        }
    }

    /** PEFT's scaling factor {@code alpha / r}. */
    public double scale() {
        return alpha / rank;
    }
}
