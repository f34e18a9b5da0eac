package dev.heterolora.studies;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A stored validated plan ({@link NewValidation}) as reports read it back.
 *
 * @param trialId        {@code null} for the uniform baseline (or a trial deleted since)
 * @param trainedLoss    NaN when the stored value is NULL
 * @param oracleAccuracy NaN when not measured
 * @param proxyScores    the plan's scores by proxy name: its trial's {@code proxy_score} rows overlaid with the ones
 *                       recorded with the validation; NaN where a stored score is NULL
 */
public record Validation(long runId, Long trialId, String label, String planJson, long params, double trainedLoss,
                         double oracleAccuracy, double seconds, Map<String, Double> proxyScores, Instant createdAt) {
    /** Copies the proxy scores into an unmodifiable map sorted by proxy name. */
    public Validation {
        proxyScores = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(proxyScores, "proxyScores")));
    }
}
