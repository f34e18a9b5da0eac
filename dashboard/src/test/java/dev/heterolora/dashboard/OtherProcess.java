package dev.heterolora.dashboard;

import dev.heterolora.studies.NewTrial;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes to a data directory's study database from another JVM, through its H2 server, as a search or a PPO run does
 * while the dashboard watches: one new best trial of the recorded study, or one more step of a run. Started by the
 * browser tests; the write is committed before the process exits.
 */
final class OtherProcess {
    /** The fitness of the trial written: above every recorded trial's. */
    static final double NEW_BEST = 0.0123;

    private OtherProcess() {}

    /** {@code HOME trial} or {@code HOME metric RUN STEP}. */
    public static void main(String[] args) {
        try (StudyStore store = StudyDatabase.inHome(Path.of(args[0])).open()) {
            if (args[1].equals("trial")) {
                Trial best = store.bestTrial(RecordedDatabase.STUDY).orElseThrow();
                int seq = store.trialCount(RecordedDatabase.STUDY);
                store.recordTrial(new NewTrial(RecordedDatabase.STUDY, seq, 9, best.planJson(), best.params(), true,
                        NEW_BEST, Map.of("snip", NEW_BEST), 0.01));
            } else {
                store.recordMetrics(Long.parseLong(args[2]), Integer.parseInt(args[3]), Map.of("reward_mean", 0.5,
                        "kl", 0.9));
            }
        }
    }

    /** Runs {@link #main} in a new JVM on this test's class path and waits for it. */
    static void run(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                OtherProcess.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("the writing process failed: " + command);
        }
    }
}
