package dev.heterolora.search;

import java.util.Map;
import java.util.TreeMap;

/**
 * What evaluating one plan gave: the fitness the search maximises and the raw score of every proxy that went into
 * it (stored with the trial so a study can be re-ranked by any proxy later).
 */
public record Evaluation(double fitness, Map<String, Double> proxyScores) {
    public Evaluation {
        proxyScores = java.util.Collections.unmodifiableMap(new TreeMap<>(proxyScores));
    }
}
