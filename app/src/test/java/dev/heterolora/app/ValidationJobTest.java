package dev.heterolora.app;

import dev.heterolora.studies.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Validation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation use case without the CLI: N plans plus the baselines that fit trained, stored and correlated. */
class ValidationJobTest {
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");
    private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void trainsTheSampleAndTheBaselineAndResumesWithoutRetraining(@TempDir Path tmp) {
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchConfig config = SearchJobTest.request("random", SearchJobTest.ROWS).resolve(tmp, CPU, LOG);
            long study = SearchJob.start(db, config, null, CPU, SearchProgress.NONE, LOG).studyId();
            List<Integer> progress = new ArrayList<>();
            ValidationJob.Request r = new ValidationJob.Request(study, 3, 2, 1e-3, 4, 8, null);
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

            ValidationJob.run(db, new ValidationJob.Request(study, 3, 2, 1e-3, 4, 8, run), CPU, (d, t) -> { }, LOG);
            assertThat(db.validations(run)).hasSize(5).extracting(Validation::trainedLoss)
                    .containsExactlyElementsOf(v.stream().map(Validation::trainedLoss).toList());
        }
    }

    @Test
    void rejectsBadNumbersAndUnknownStudies(@TempDir Path tmp) {
        assertThatThrownBy(() -> new ValidationJob.Request(null, 1, 2, 1e-3, 4, 8, null))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("--sample");
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            assertThatThrownBy(() -> ValidationJob.run(db, new ValidationJob.Request(99L, 2, 1, 1e-3, 1, 1, null),
                    CPU, (d, t) -> { }, LOG)).isInstanceOf(HeteroloraException.class).hasMessage("no study with id 99");
        }
    }
}
