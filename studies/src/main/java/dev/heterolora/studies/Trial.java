package dev.heterolora.studies;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A stored trial, as replays, leaderboards and Pareto fronts read it back.
 *
 * @param fitness     NaN when the stored fitness is NULL (it was not finite when recorded)
 * @param proxyScores scores by proxy name, sorted; NaN where the stored score is NULL
 * @param pareto      whether the trial is on the study's current Pareto front ({@link StudyStorage#markPareto})
 */
public record Trial(long id, long studyId, int seq, int generation, String planJson, long params,
                    boolean feasible, double fitness, Map<String, Double> proxyScores, boolean pareto,
                    double seconds, Instant createdAt) {
    /** Copies the proxy scores into an unmodifiable map sorted by proxy name. */
    public Trial {
        proxyScores = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(proxyScores, "proxyScores")));
    }
}
