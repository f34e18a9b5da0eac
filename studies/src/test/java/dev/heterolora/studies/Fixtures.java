package dev.heterolora.studies;

import java.util.Map;

/** Small builders shared by the tests, so each test states only what it is about. */
final class Fixtures {
    private Fixtures() {}

    static NewStudy study(String name) {
        return new NewStudy(name, 42L, "ga", "0.2%", 2_000L, 1_000_000L, null, null,
                "{\"population\":8}", "{\"sites\":[\"0.q\",\"0.v\"],\"ranks\":[0,2,4]}");
    }

    static NewTrial trial(long studyId, int seq, boolean feasible, double fitness) {
        return new NewTrial(studyId, seq, seq / 4, "{\"0.q\":" + seq + "}", 100L * seq, feasible, fitness,
                Map.of("snip", fitness, "grad_norm", 0.5 * seq), 0.01);
    }
}
