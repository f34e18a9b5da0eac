package dev.heterolora.studies;

import java.time.Instant;

/**
 * A stored study: what {@link NewStudy} fixed plus what the store keeps up to date (status, timestamps and
 * the best feasible trial so far), as read back for replays, {@code train --best} and reports.
 *
 * @param name        the study's unique name, or {@code null} for an unnamed study
 * @param status      whether the search is running or how it ended
 * @param bestTrialId the feasible trial with the highest finite fitness (ties: lowest seq); {@code null} if none
 */
public record Study(long id, String name, Instant createdAt, Instant updatedAt, long seed, String strategy,
                    String budgetText, long budgetLimit, long baseParams, String modelPath, String modelHash,
                    String configJson, String searchSpaceJson, Status status, Long bestTrialId) {}
