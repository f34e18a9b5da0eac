package dev.heterolora.studies;

import java.time.Instant;

/**
 * A training or evaluation job (PPO, SFT, validation, ...), optionally tied to the study and trial whose plan
 * it trains, so learning curves and final adapters can be traced back to the search that chose them.
 *
 * @param studyId   the study it belongs to, or {@code null}
 * @param trialId   the trial whose plan it trains, or {@code null}
 * @param kind      e.g. {@code ppo}, {@code sft}, {@code validate}
 * @param status    whether the job is running or how it ended
 * @param message   a one-line outcome (error text for failed runs), or {@code null}
 * @param outputDir where the run wrote its adapters and files, or {@code null}
 */
public record Run(long id, Long studyId, Long trialId, String kind, String configJson, Status status,
                  String message, Instant createdAt, Instant updatedAt, String outputDir) {}
