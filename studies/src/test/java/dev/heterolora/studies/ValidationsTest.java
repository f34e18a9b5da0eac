package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.heterolora.core.HeteroloraException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The version-2 validation tables: the validations part of the store. */
class ValidationsTest extends InMemoryStoreTest {
    private long study;
    private long trial;
    private long run;

    @BeforeEach
    void recordStudyTrialAndRun() {
        study = store.createStudy(new NewStudy("s", 1, "ga", "1%", 100, 10_000, null, null, "{}", "{}"));
        trial = store.recordTrial(new NewTrial(study, 0, 0, "{\"sites\":{\"0.q\":2}}", 40, true, 1.0,
                Map.of("snip", 2.5, "gradnorm", 0.7), 0.1));
        run = store.createRun(study, null, "validate", "{}", null);
    }

    @Test
    void recordsValidatedPlansWithTheirTrialsScoresOverlaid() {
        store.recordValidation(new NewValidation(run, trial, "trial " + trial, "{\"sites\":{\"0.q\":2}}", 40, 1.7,
                Double.NaN, 3.0, Map.of("probe", 0.01, "snip", 9.0)));
        store.recordValidation(new NewValidation(run, null, "uniform r=1", "{\"sites\":{\"0.q\":1}}", 20,
                Double.POSITIVE_INFINITY, 0.5, 2.0, Map.of("snip", 1.0)));
        List<Validation> v = store.validations(run);
        assertThat(v).extracting(Validation::label).containsExactly("trial " + trial, "uniform r=1");
        Validation first = v.get(0);
        assertThat(first.trialId()).isEqualTo(trial);
        assertThat(first.trainedLoss()).isEqualTo(1.7);
        assertThat(first.oracleAccuracy()).isNaN();
        assertThat(first.proxyScores()).containsExactly(entry("gradnorm", 0.7), entry("probe", 0.01), entry("snip", 9.0));
        Validation baseline = v.get(1);
        assertThat(baseline.trialId()).isNull();
        assertThat(baseline.trainedLoss()).isNaN();
        assertThat(baseline.oracleAccuracy()).isEqualTo(0.5);
        assertThat(baseline.proxyScores()).containsExactly(entry("snip", 1.0));
        // NaN and infinities are NULL in the table, so SQL aggregates keep working
        assertThat(store.console().execute("SELECT COUNT(trained_loss), COUNT(oracle_accuracy) FROM validation",
                false).rows()).containsExactly(List.of(1L, 1L));
    }

    @Test
    void recordingTheSameLabelAgainReplacesTheRowAndItsScores() {
        store.recordValidation(new NewValidation(run, trial, "t", "{}", 40, 1.7, Double.NaN, 3.0, Map.of("probe", 1.0)));
        store.recordValidation(new NewValidation(run, trial, "t", "{}", 40, 1.6, 0.9, 4.0, Map.of("jacov", 2.0)));
        List<Validation> v = store.validations(run);
        assertThat(v).hasSize(1);
        assertThat(v.get(0).trainedLoss()).isEqualTo(1.6);
        assertThat(v.get(0).proxyScores()).containsKeys("jacov", "snip").doesNotContainKey("probe");
        assertThat(store.validations(run + 1000)).isEmpty();
    }

    @Test
    void refusesUnknownRunsAndTrialsOfAnotherStudy() {
        long other = store.createStudy(new NewStudy("o", 1, "ga", "1%", 100, 10_000, null, null, "{}", "{}"));
        long foreign = store.recordTrial(new NewTrial(other, 0, 0, "{}", 1, true, 1.0, Map.of(), 0.1));
        assertThatThrownBy(() -> store.recordValidation(new NewValidation(run + 99, null, "x", "{}", 1, 1, 1, 1)))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no run");
        assertThatThrownBy(() -> store.recordValidation(new NewValidation(run, foreign, "x", "{}", 1, 1, 1, 1)))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("belongs to study " + other);
        assertThatThrownBy(() -> store.recordValidation(new NewValidation(run, 123_456L, "x", "{}", 1, 1, 1, 1)))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no trial");
        assertThat(store.validations(run)).isEmpty();
    }

    @Test
    void correlationsRoundTripWithNonFiniteAsNull() {
        ValidationCorrelation snip = new ValidationCorrelation(run, "snip", ValidationCorrelation.TRAINED_LOSS, 0.6, 0.4,
                0.1, 0.9, 0.0, 0.7, 0.02, 7);
        ValidationCorrelation params = new ValidationCorrelation(run, "params", ValidationCorrelation.TRAINED_LOSS,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0.0, 1);
        ValidationCorrelation accuracy = new ValidationCorrelation(run, "snip", ValidationCorrelation.ORACLE_ACCURACY,
                -0.2, -0.1, -0.8, 0.5, -0.6, 0.4, 0.1, 7);
        store.recordCorrelation(snip);
        store.recordCorrelation(params);
        store.recordCorrelation(accuracy);
        store.recordCorrelation(snip);
        List<ValidationCorrelation> back = store.correlations(run);
        assertThat(back).hasSize(3);
        assertThat(back.get(0)).isEqualTo(accuracy);
        assertThat(back.get(1).proxy()).isEqualTo("params");
        assertThat(back.get(1).spearman()).isNaN();
        assertThat(back.get(2)).isEqualTo(snip);
        assertThatThrownBy(() -> store.recordCorrelation(new ValidationCorrelation(run + 99, "snip", "trained_loss",
                0, 0, 0, 0, 0, 0, 0, 2))).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> new ValidationCorrelation(run, "snip", "reward", 0, 0, 0, 0, 0, 0, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown validation target");
    }

    @Test
    void deletingTheRunDeletesItsValidation() {
        store.recordValidation(new NewValidation(run, trial, "t", "{}", 40, 1.7, Double.NaN, 3.0, Map.of("probe", 1.0)));
        store.recordCorrelation(new ValidationCorrelation(run, "snip", "trained_loss", 0, 0, 0, 0, 0, 0, 0, 2));
        store.console().execute("DELETE FROM run WHERE id = " + run, true);
        assertThat(store.console().execute("SELECT (SELECT COUNT(*) FROM validation) + (SELECT COUNT(*) FROM "
                + "validation_score) + (SELECT COUNT(*) FROM validation_correlation)", false).rows())
                .containsExactly(List.of(0L));
    }
}
