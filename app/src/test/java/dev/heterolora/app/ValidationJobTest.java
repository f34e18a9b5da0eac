package dev.heterolora.app;

import dev.heterolora.studies.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Validation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation use case without the CLI: N plans plus the baselines that fit trained, stored and correlated. */
class ValidationJobTest {
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");
    private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void trainsTheSampleAndTheBaselineOnceAndResumesWithoutRetraining(@TempDir Path tmp) {
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchConfig config = SearchJobTest.request("random", SearchJobTest.ROWS).resolve(tmp, CPU, LOG);
            long study = SearchJob.start(db, config, null, CPU, SearchProgress.NONE, LOG).studyId();
            List<Integer> progress = new ArrayList<>();
            ValidationJob.Request r = new ValidationJob.Request(study, 3, 2, 1e-3, 4, 8, null, ValidationJob.DEFAULT_LEASE);
            long run = ValidationJob.run(db, r, CPU, (done, total) -> progress.add(done), LOG).runId();
            List<Validation> v = db.validations(run);
            assertThat(v).hasSize(5);
            assertThat(v).extracting(Validation::label).filteredOn(l -> !l.startsWith("trial "))
                    .allSatisfy(l -> assertThat(l).matches("(peft-default|all-linear) r=\\d+"))
                    .anySatisfy(l -> assertThat(l).startsWith("peft-default r="));
            assertThat(v).allSatisfy(x -> assertThat(x.trainedLoss()).isFinite().isPositive());
            assertThat(progress).containsExactly(1, 2, 3, 4, 5);
            assertThat(db.correlations(run)).isNotEmpty();
            assertThat(db.run(run).orElseThrow().status()).isEqualTo(Status.FINISHED);

            // the same command again joins the finished run: nothing is trained twice, no second run
            ValidationJob.Outcome again = ValidationJob.run(db, r, CPU, (d, t) -> { }, LOG);
            assertThat(again.runId()).isEqualTo(run);
            assertThat(again.trainedHere()).isZero();
            assertThat(db.runs(study)).filteredOn(x -> x.kind().equals("validate")).hasSize(1);

            // a run from before the work queue (no queue in its settings), interrupted after two plans, resumes with
            // its stored settings whatever the request says
            long old = db.createRun(study, null, "validate", "{\"sample\":3,\"steps\":2,\"lr\":0.001,"
                    + "\"batch_size\":4,\"held_out\":8}", null);
            v.subList(0, 2).forEach(x -> db.recordValidation(new NewValidation(old, x.trialId(), x.label(), x.planJson(),
                    x.params(), x.trainedLoss(), x.oracleAccuracy(), x.seconds(), Map.of())));
            db.finishRun(old, Status.INTERRUPTED, "interrupted");
            ValidationJob.Outcome resumed = ValidationJob.run(db, new ValidationJob.Request(null, 9, 9, 1e-1, 9, 9, old,
                    ValidationJob.DEFAULT_LEASE), CPU, (d, t) -> { }, LOG);
            assertThat(resumed.trainedHere()).isEqualTo(3);
            assertThat(db.run(old).orElseThrow().status()).isEqualTo(Status.FINISHED);
            assertThat(db.validations(old)).hasSize(5).extracting(Validation::trainedLoss)
                    .containsExactlyInAnyOrderElementsOf(v.stream().map(Validation::trainedLoss).toList());
        }
    }

    @Test
    void rejectsBadNumbersAndUnknownStudies(@TempDir Path tmp) {
        assertThatThrownBy(() -> new ValidationJob.Request(null, 1, 2, 1e-3, 4, 8, null, ValidationJob.DEFAULT_LEASE))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("--sample");
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            assertThatThrownBy(() -> ValidationJob.run(db, new ValidationJob.Request(99L, 2, 1, 1e-3, 1, 1, null, ValidationJob.DEFAULT_LEASE),
                    CPU, (d, t) -> { }, LOG)).isInstanceOf(HeteroloraException.class).hasMessage("no study with id 99");
        }
    }
}
