package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static dev.heterolora.studies.Fixtures.trial;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import org.junit.jupiter.api.Test;

/** The runs part of the store: training and evaluation jobs and how they end. */
class RunsTest extends InMemoryStoreTest {
    @Test
    void recordsAndEndsRuns() {
        long studyId = store.createStudy(study("s"));
        long trialId = store.recordTrial(trial(studyId, 0, true, 0.5));
        long ppo = store.createRun(studyId, trialId, "ppo", "{\"lr\":1e-4}", "/tmp/out");
        long validate = store.createRun(null, null, "validate", null, null);

        assertThat(store.run(ppo).orElseThrow()).extracting(Run::studyId, Run::trialId, Run::kind, Run::configJson,
                Run::status, Run::message, Run::outputDir)
                .containsExactly(studyId, trialId, "ppo", "{\"lr\":1e-4}", Status.RUNNING, null, "/tmp/out");
        store.finishRun(ppo, Status.FAILED, "KL exploded at step 2");
        assertThat(store.run(ppo).orElseThrow()).extracting(Run::status, Run::message)
                .containsExactly(Status.FAILED, "KL exploded at step 2");
        assertThat(store.run(validate).orElseThrow()).extracting(Run::studyId, Run::trialId, Run::configJson)
                .containsExactly(null, null, "{}");
        assertThat(store.runs(studyId)).extracting(Run::id).containsExactly(ppo);
        assertThat(store.runs(null)).extracting(Run::id).containsExactly(ppo, validate);
        assertThat(store.run(999)).isEmpty();
    }

    @Test
    void anInterruptedRunIsReopenedWithoutItsMessage() {
        long run = store.createRun(null, null, "ppo", "{}", null);
        store.finishRun(run, Status.INTERRUPTED, "stopped at step 7");
        assertThat(store.run(run).orElseThrow()).extracting(Run::status, Run::message)
                .containsExactly(Status.INTERRUPTED, "stopped at step 7");
        store.reopenRun(run);
        assertThat(store.run(run).orElseThrow()).extracting(Run::status, Run::message)
                .containsExactly(Status.RUNNING, null);
        store.finishRun(run, Status.FINISHED, null);
        assertThat(store.run(run).orElseThrow().status()).isEqualTo(Status.FINISHED);
        assertThatThrownBy(() -> store.reopenRun(999)).hasMessage("no run with id 999");
    }

    @Test
    void rejectsBadRunReferencesAndStatuses() {
        long studyId = store.createStudy(study("s"));
        long other = store.createStudy(study("other"));
        long trialId = store.recordTrial(trial(other, 0, true, 0.5));
        assertThatThrownBy(() -> store.createRun(999L, null, "sft", "{}", null)).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study with id 999");
        assertThatThrownBy(() -> store.createRun(null, 999L, "sft", "{}", null)).hasMessage("no trial with id 999");
        assertThatThrownBy(() -> store.createRun(studyId, trialId, "sft", "{}", null))
                .hasMessage("trial " + trialId + " belongs to study " + other + ", not to study " + studyId);
        assertThatThrownBy(() -> store.createRun(null, null, " ", "{}", null))
                .isInstanceOf(IllegalArgumentException.class);
        long run = store.createRun(null, trialId, "sft", "{}", null);
        assertThatThrownBy(() -> store.finishRun(run, Status.RUNNING, null)).isInstanceOf(HeteroloraException.class)
                .hasMessage("a run finishes as finished, failed or interrupted, not running");
        assertThatThrownBy(() -> store.finishRun(999, Status.FINISHED, null)).hasMessage("no run with id 999");
        assertThat(store.runs(null)).singleElement().extracting(Run::status).isEqualTo(Status.RUNNING);
    }
}
