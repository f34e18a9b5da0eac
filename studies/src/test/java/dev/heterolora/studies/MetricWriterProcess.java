package dev.heterolora.studies;

import java.util.Map;

/**
 * A training run in another JVM for {@link DurabilityTest}: opens the store at {@code args[0]}, creates a run and
 * records one step of metrics every 20 ms, printing {@code STEP <n>} once step n is recorded, until it is killed.
 */
public final class MetricWriterProcess {
    private MetricWriterProcess() {}

    /** Runs the writer described on the class. */
    public static void main(String[] args) throws Exception {
        StudyStore store = StudyStore.open(args[0]);
        long run = store.createRun(null, null, "ppo", "{}", null);
        System.out.println("RUN " + run);
        for (int step = 0; ; step++) {
            store.recordMetrics(run, step, Map.of("reward", (double) step, "kl", 0.01 * step));
            System.out.println("STEP " + step);
            System.out.flush();
            Thread.sleep(20);
        }
    }
}
