package dev.heterolora.trainer;

/** Learning-rate schedules (pure functions of the step, so a resumed run continues the same curve). */
public final class LearningRate {
    private LearningRate() {}

    /**
     * Linear warm-up from {@code peak/warmup} to {@code peak} over {@code warmup} steps, then cosine decay to
     * {@code floor·peak} at step {@code total − 1}.
     *
     * @param step 0-based step
     */
    public static double warmupCosine(double peak, int warmup, int total, double floor, int step) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        int decay = Math.max(1, total - warmup - 1);
        double progress = Math.min(1.0, (double) (step - warmup) / decay);
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /** Linear warm-up, then constant. */
    public static double warmupConstant(double peak, int warmup, int step) {
        return step < warmup ? peak * (step + 1) / warmup : peak;
    }
}
