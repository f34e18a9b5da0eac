package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.util.Objects;

/**
 * Everything a search fixes before its first trial, so that a replay can re-run it: the seed, the strategy,
 * the budget (as the user wrote it and as a parameter count), the base model and the full configuration.
 *
 * @param name            the study's name ({@code search --name}): unique among the studies of a database, so it
 *                        finds the study again; {@code null} for an unnamed study
 * @param seed            the one seed of the study (see Determinism in ARCHITECTURE.md)
 * @param strategy        ga, nsga2, uniform, random, topk, knapsack, ...
 * @param budgetText      the budget as given on the command line, e.g. {@code 0.2%}
 * @param budgetLimit     the budget as a number of adapter parameters
 * @param baseParams      parameter count of the base model
 * @param modelPath       where the base model came from; {@code null} for the embedded world
 * @param modelHash       a content hash of the base model; {@code null} if unknown
 * @param configJson      the search configuration as JSON
 * @param searchSpaceJson the search space (sites and allowed ranks) as JSON
 */
public record NewStudy(String name, long seed, String strategy, String budgetText, long budgetLimit,
                       long baseParams, String modelPath, String modelHash, String configJson,
                       String searchSpaceJson) {
    /** Rejects missing required fields and negative counts. */
    public NewStudy {
        if (name != null && (name.isBlank() || name.length() > 200 || !name.equals(name.strip()))) {
            throw new HeteroloraException("a study name must be 1 to 200 characters without "
                    + "leading or trailing spaces: '" + name + "'");
        }
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(budgetText, "budgetText");
        Objects.requireNonNull(configJson, "configJson");
        Objects.requireNonNull(searchSpaceJson, "searchSpaceJson");
        if (budgetLimit < 0 || baseParams < 0) {
            throw new IllegalArgumentException("budgetLimit and baseParams must not be negative");
        }
    }
}
