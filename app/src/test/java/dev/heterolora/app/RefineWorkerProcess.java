package dev.heterolora.app;

import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One worker of {@link RefineStageWorkersTest} in a JVM of its own (DJL trains in one thread per JVM): joins the
 * refine stage of a study in a data directory's database, through the H2 server the test runs, and prints what it
 * did as one JSON line. Arguments: data directory, study id, lease in seconds.
 */
public final class RefineWorkerProcess {
    private RefineWorkerProcess() {}

    public static void main(String[] args) {
        long study = Long.parseLong(args[1]);
        try (StudyStore db = StudyDatabase.inHome(Path.of(args[0])).open()) {
            SearchConfig config = SearchConfig.fromJson(Json.read(db.study(study).orElseThrow().configJson()));
            RefineStage.Outcome o = RefineStage.run(db, study, config, RefineStageWorkersTest.REQUEST,
                    Duration.ofSeconds(Long.parseLong(args[2])), ComputeSettings.parse("cpu", "fp32"), System.err);
            var out = Json.object().put("run", o.runId()).put("trained_here", o.trainedHere())
                    .put("winner", o.winner().label());
            out.set("plan", o.winner().plan().toJson());
            System.out.println(out);
        }
    }
}
