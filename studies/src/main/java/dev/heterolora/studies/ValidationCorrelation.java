package dev.heterolora.studies;

import java.util.List;
import java.util.Objects;

/**
 * How well one proxy's ranking of a validation run's plans agrees with what they achieved when trained.
 *
 * <p>Sign convention: the correlations are oriented so that a positive value means a higher proxy score goes with a
 * better result (a lower {@code trained_loss}, a higher {@code oracle_accuracy}); {@code regret} is how much worse
 * the proxy's top pick did than the best validated plan, in the target's units, never negative (0 = the proxy picked
 * the best plan). Non-finite numbers are stored as NULL and read back as NaN.
 *
 * @param proxy  a proxy name, or {@code params}
 * @param target what the proxy is compared with, one of {@link #TARGETS}
 * @param n      how many plans the statistics use (those with a finite score and a finite result)
 */
public record ValidationCorrelation(long runId, String proxy, String target, double spearman, double kendall,
                                    double spearmanLow, double spearmanHigh, double kendallLow, double kendallHigh,
                                    double regret, int n) {
    /** Held-out loss after the short training (lower is better). */
    public static final String TRAINED_LOSS = "trained_loss";
    /** Oracle accuracy on the embedded world (higher is better). */
    public static final String ORACLE_ACCURACY = "oracle_accuracy";
    /** The targets a correlation can have; the database enforces the same list. */
    public static final List<String> TARGETS = List.of(TRAINED_LOSS, ORACLE_ACCURACY);

    /** Rejects a blank proxy, an unknown target and a negative count. */
    public ValidationCorrelation {
        Objects.requireNonNull(proxy, "proxy");
        if (proxy.isBlank()) {
            throw new IllegalArgumentException("proxy must not be blank");
        }
        if (!TARGETS.contains(target)) {
            throw new IllegalArgumentException("unknown validation target '" + target + "' (expected one of "
                    + String.join(", ", TARGETS) + ")");
        }
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
    }
}
