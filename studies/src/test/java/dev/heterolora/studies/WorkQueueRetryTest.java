package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failed units go back to the queue on request, each for another attempt, with the reason they failed kept until a
 * worker claims them; finished and running units are left alone, and the failed attempt's claim stays void.
 */
class WorkQueueRetryTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    @ParameterizedTest
    @ValueSource(strings = {"h2-file", "postgresql"})
    void failedUnitsGoBackForAnotherAttempt(String backend, @TempDir Path dir) {
        String url = backend.equals("h2-file") ? "jdbc:h2:file:" + dir.resolve("retry").toAbsolutePath()
                : TestPostgres.newDatabase();
        try (StudyStore store = StudyStore.open(url)) {
            WorkQueue queue = store.workQueue();
            queue.enqueue("q", List.of(new NewUnit("done", "{}"), new NewUnit("broken", "{}"),
                    new NewUnit("busy", "{}")));
            queue.enqueue("other", List.of(new NewUnit("broken too", "{}")));
            queue.complete(queue.claim("q", "w", LONG).orElseThrow(), "{}");
            ClaimedUnit failed = queue.claim("q", "w", LONG).orElseThrow();
            queue.fail(failed, "disk full");
            queue.claim("q", "w", LONG).orElseThrow();
            queue.fail(queue.claim("other", "w", LONG).orElseThrow(), "no");

            assertThat(queue.retryFailed("q")).isEqualTo(1);
            assertThat(queue.units("q")).extracting(Unit::key, Unit::status, Unit::message).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("done", Status.FINISHED, null),
                    org.assertj.core.groups.Tuple.tuple("broken", Status.QUEUED, "retried; it had failed: disk full"),
                    org.assertj.core.groups.Tuple.tuple("busy", Status.RUNNING, null));
            assertThat(queue.units("other")).singleElement().extracting(Unit::status).isEqualTo(Status.FAILED);
            assertThat(queue.retryFailed("q")).isZero();

            ClaimedUnit again = queue.claim("q", "w2", LONG).orElseThrow();
            assertThat(again.key()).isEqualTo("broken");
            assertThat(again.attempt()).isEqualTo(2);
            assertThatThrownBy(() -> queue.complete(failed, "{}")).isInstanceOf(LeaseLostException.class);
            queue.complete(again, "{\"ok\":true}");
            assertThat(queue.units("q").get(1)).extracting(Unit::status, Unit::message)
                    .containsExactly(Status.FINISHED, null);
        }
    }
}
