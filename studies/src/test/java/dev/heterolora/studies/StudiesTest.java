package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The studies part of the store: creating, reading, statuses and which study is the latest. */
class StudiesTest extends InMemoryStoreTest {
    @Test
    void createsAndReadsStudies() {
        long a = store.createStudy(study("a"));
        long b = store.createStudy(new NewStudy("b", -7L, "nsga2", "5000", 5000L, 10L, "/models/x", "sha256:ab",
                "{}", "{\"sites\":[]}"));
        Study sb = store.study(b).orElseThrow();
        assertThat(sb).extracting(Study::name, Study::seed, Study::strategy, Study::budgetText, Study::budgetLimit,
                        Study::baseParams, Study::modelPath, Study::modelHash, Study::configJson,
                        Study::searchSpaceJson, Study::status, Study::bestTrialId)
                .containsExactly("b", -7L, "nsga2", "5000", 5000L, 10L, "/models/x", "sha256:ab", "{}",
                        "{\"sites\":[]}", Status.RUNNING, null);
        assertThat(sb.createdAt()).isNotNull().isEqualTo(sb.updatedAt());
        assertThat(store.study(a).orElseThrow().modelPath()).isNull();
        assertThat(store.studies()).extracting(Study::id).containsExactly(a, b);
        assertThat(store.study(999)).isEmpty();
    }

    @Test
    void setsEveryStatusAndRefusesUnknownStudies() {
        long id = store.createStudy(study("s"));
        for (Status status : Status.values()) {
            store.setStatus(id, status);
            assertThat(store.study(id).orElseThrow().status()).isEqualTo(status);
        }
        assertThat(sql("SELECT status FROM study").rows()).containsExactly(List.of("interrupted"));
        assertThatThrownBy(() -> store.setStatus(999, Status.FAILED)).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study with id 999");
        assertThatThrownBy(() -> store.setStatus(id, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void latestStudyIsTheLatestFinishedOne() {
        long older = store.createStudy(study("older"));
        long finished = store.createStudy(study("finished"));
        long failed = store.createStudy(study("failed"));
        long interrupted = store.createStudy(study("interrupted"));
        store.createStudy(study("running"));
        store.setStatus(older, Status.FINISHED);
        store.setStatus(finished, Status.FINISHED);
        store.setStatus(failed, Status.FAILED);
        store.setStatus(interrupted, Status.INTERRUPTED);
        assertThat(store.latestStudy().id()).isEqualTo(finished);

        store.setStatus(interrupted, Status.FINISHED);
        assertThat(store.latestStudy().id()).isEqualTo(interrupted);
    }

    @Test
    void latestStudyOfAnEmptyDatabaseIsAOneLineError() {
        assertThatThrownBy(store::latestStudy).isInstanceOf(HeteroloraException.class)
                .hasMessage("no finished study in " + store.url() + " yet");
    }

    @Test
    void latestStudyWithoutAFinishedOneSaysWhatTheLatestIs() {
        store.setStatus(store.createStudy(study("first")), Status.FAILED);
        long second = store.createStudy(study("second"));
        assertThatThrownBy(store::latestStudy).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("no finished study in " + store.url())
                .hasMessageEndingWith(" yet (the latest, study " + second + ", is running)")
                .hasMessageNotContaining("\n");
    }
}
