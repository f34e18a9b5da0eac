package dev.heterolora.studies;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One evaluated plan as the search hands it over, recorded as soon as it is evaluated so that a crash loses
 * at most the trial in flight.
 *
 * @param seq         order of evaluation within the study, unique per study (replays compare sequences)
 * @param planJson    the adapter plan as JSON
 * @param params      adapter parameters of the plan
 * @param feasible    whether the plan fits the budget
 * @param fitness     the search objective; a non-finite value (NaN, infinities) is stored as SQL NULL,
 *                    reads back as NaN and is never the best trial
 * @param proxyScores each zero-cost proxy's score, copied into a map sorted by proxy name; non-finite
 *                    scores are stored as NULL and read back as NaN
 * @param seconds     time spent evaluating the plan
 */
public record NewTrial(long studyId, int seq, int generation, String planJson, long params, boolean feasible,
                       double fitness, Map<String, Double> proxyScores, double seconds) {
    /** Copies the proxy scores into an unmodifiable map sorted by proxy name. */
    public NewTrial {
        Objects.requireNonNull(planJson, "planJson");
        proxyScores = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(proxyScores, "proxyScores")));
        proxyScores.forEach((proxy, score) -> Objects.requireNonNull(score, () -> "score of proxy " + proxy));
    }
}
