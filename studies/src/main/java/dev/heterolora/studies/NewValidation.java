package dev.heterolora.studies;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One plan a validation run trained, as the validator hands it over ({@link StudyStorage#recordValidation}).
 *
 * @param runId          the validation run
 * @param trialId        the trial whose plan was trained, or {@code null} for a plan that is no trial of the study
 *                       (the uniform baseline)
 * @param label          names the plan for humans and keys it within the run, e.g. {@code trial 12},
 *                       {@code uniform r=4}; recording the same label again replaces the row
 * @param planJson       the adapter plan as JSON
 * @param params         adapter parameters of the plan
 * @param trainedLoss    held-out loss after the short training; non-finite is stored as NULL and reads back as NaN
 * @param oracleAccuracy oracle accuracy (embedded world), NaN if not measured
 * @param seconds        time spent training and evaluating the plan
 * @param proxyScores    proxy scores to store with the plan beyond its trial's (e.g. the baseline's), sorted by name;
 *                       non-finite scores are stored as NULL
 */
public record NewValidation(long runId, Long trialId, String label, String planJson, long params, double trainedLoss,
                            double oracleAccuracy, double seconds, Map<String, Double> proxyScores) {
    /** Rejects a blank label or missing plan, copies the scores. */
    public NewValidation {
        Objects.requireNonNull(label, "label");
        if (label.isBlank()) {
            throw new IllegalArgumentException("label must not be blank");
        }
        Objects.requireNonNull(planJson, "planJson");
        proxyScores = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(proxyScores, "proxyScores")));
        proxyScores.forEach((proxy, score) -> Objects.requireNonNull(score, () -> "score of proxy " + proxy));
    }

    /** A validated plan whose proxy scores are all in its trial's {@code proxy_score} rows. */
    public NewValidation(long runId, Long trialId, String label, String planJson, long params, double trainedLoss,
                         double oracleAccuracy, double seconds) {
        this(runId, trialId, label, planJson, params, trainedLoss, oracleAccuracy, seconds, Map.of());
    }
}
