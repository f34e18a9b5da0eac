package dev.heterolora.studies;

import java.time.Instant;

/**
 * A unit of a {@link WorkQueue} as stored, for {@code heterolora jobs} and for collecting results.
 *
 * @param status      {@link Status#QUEUED}, {@link Status#RUNNING} (claimed), {@link Status#FINISHED} or
 *                    {@link Status#FAILED}
 * @param attempts    how many times it has been claimed
 * @param worker      the worker that claimed it last, or {@code null} if never claimed
 * @param heartbeatAt when its lease was last taken or renewed, or {@code null}
 * @param resultJson  the result a worker completed it with, or {@code null}
 * @param message     why it failed, or {@code null}
 */
public record Unit(long id, String queue, String key, String payloadJson, Status status, int attempts, String worker,
                   Instant heartbeatAt, String resultJson, String message) {}
