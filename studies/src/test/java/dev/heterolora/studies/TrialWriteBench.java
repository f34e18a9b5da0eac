package dev.heterolora.studies;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Not a test: how many trials per second a search can write, one transaction per trial against batches of 1000
 * ({@link StudyStorage#recordTrials}), on an H2 file and on the tests' embedded PostgreSQL. Trials look like the
 * embedded world's (a 40-site plan, two proxy scores). Run: {@code java -cp … dev.heterolora.studies.TrialWriteBench
 * [trials]}.
 */
final class TrialWriteBench {
    private TrialWriteBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Path dir = Files.createTempDirectory("trial-bench");
        System.out.printf("%-12s %-10s %8s %10s %12s%n", "backend", "writes", "trials", "seconds", "trials/s");
        for (Backend backend : Backend.values()) {
            for (boolean batched : new boolean[] {false, true}) {
                String url = backend == Backend.H2 ? "jdbc:h2:file:" + dir.resolve("b" + batched) : backend.newDatabase();
                try (StudyStore store = StudyStore.open(url)) {
                    long study = store.createStudy(Fixtures.study(null));
                    int count = batched ? n : n / 20;
                    List<NewTrial> trials = IntStream.range(0, count).mapToObj(i -> trial(study, i)).toList();
                    long start = System.nanoTime();
                    if (batched) {
                        for (int i = 0; i < count; i += 1000) {
                            store.recordTrials(trials.subList(i, Math.min(count, i + 1000)));
                        }
                    } else {
                        trials.forEach(store::recordTrial);
                    }
                    double s = (System.nanoTime() - start) / 1e9;
                    System.out.printf("%-12s %-10s %,8d %10.2f %,12.0f%n", backend, batched ? "batch 1000" : "one by one",
                            count, s, count / s);
                }
            }
        }
        System.exit(0);
    }

    private static NewTrial trial(long study, int seq) {
        String plan = IntStream.range(0, 40).mapToObj(s -> "\"" + (s / 10) + "." + "qkvo".charAt(s % 4) + "\":"
                + ((seq + s) % 5)).collect(Collectors.joining(",", "{", "}"));
        return new NewTrial(study, seq, seq / 100, plan, 1000L + seq, seq % 7 != 0, Math.sin(seq),
                Map.of("snip", Math.cos(seq), "grad_norm", 0.5), 0.001);
    }
}
