package dev.heterolora.studies;

/**
 * A unit a worker holds: what it must do, and the lease's identity (the unit's id and the attempt that claimed it),
 * which {@link WorkQueue#heartbeat}, {@link WorkQueue#complete} and {@link WorkQueue#fail} check.
 *
 * @param attempt how many times the unit has been claimed, this claim included (1 on the first)
 */
public record ClaimedUnit(long id, String queue, String key, String payloadJson, String worker, int attempt) {}
