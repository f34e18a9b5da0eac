package dev.heterolora.studies;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A stand-in for a running search in another JVM, driven by {@link SecondProcessTest} over stdin/stdout:
 * it opens the store of the data directory {@code args[0]} (through its server), creates a study, records three trials and prints {@code READY <id>};
 * on each {@code more} line it records one more trial and prints {@code WROTE <count>}; on {@code quit} it
 * closes the store and exits.
 */
public final class SecondProcessWriter {
    private SecondProcessWriter() {}

    /** Runs the protocol described on the class. */
    public static void main(String[] args) throws Exception {
        try (StudyStore store = StudyDatabase.inHome(Path.of(args[0])).open();
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            long studyId = store.createStudy(Fixtures.study("from-child"));
            int seq = 0;
            for (; seq < 3; seq++) {
                store.recordTrial(Fixtures.trial(studyId, seq, true, 0.1 * seq));
            }
            System.out.println("READY " + studyId);
            for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
                store.recordTrial(Fixtures.trial(studyId, seq, true, 0.1 * seq));
                seq++;
                System.out.println("WROTE " + seq);
            }
        }
    }
}
