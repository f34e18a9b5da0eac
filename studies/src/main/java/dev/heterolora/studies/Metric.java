package dev.heterolora.studies;

/**
 * One measurement of a run at one step (reward, KL, loss, win-rate, ...): the points of a learning curve.
 *
 * @param value NaN when the stored value is NULL (it was not finite when recorded)
 */
public record Metric(long runId, int step, String name, double value) {}
