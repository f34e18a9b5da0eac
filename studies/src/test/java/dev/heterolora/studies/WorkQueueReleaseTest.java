package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stopping worker gives its unit back: the next claim takes it at once, and the released claim holds nothing. */
class WorkQueueReleaseTest extends InMemoryStoreTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    void aReleasedUnitIsClaimedAgainAtOnceAndTheOldClaimIsLost() {
        WorkQueue queue = store.workQueue();
        queue.enqueue("q", List.of(new NewUnit("only", "{}")));
        ClaimedUnit first = queue.claim("q", "stopping", LONG).orElseThrow();
        queue.release(first);
        Unit back = queue.units("q").get(0);
        assertThat(back.status()).isEqualTo(Status.QUEUED);
        assertThat(back.message()).isEqualTo("released by worker stopping (attempt 1)");

        ClaimedUnit second = queue.claim("q", "other", LONG).orElseThrow();
        assertThat(second.attempt()).as("the released claim counts as an attempt").isEqualTo(2);
        assertThatThrownBy(() -> queue.complete(first, "{}")).isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("worker other holds it (attempt 2)");
        assertThatThrownBy(() -> queue.release(first)).isInstanceOf(LeaseLostException.class);
        queue.complete(second, "{\"by\":\"other\"}");
        assertThat(queue.units("q")).singleElement().satisfies(u -> {
            assertThat(u.status()).isEqualTo(Status.FINISHED);
            assertThat(u.resultJson()).isEqualTo("{\"by\":\"other\"}");
            assertThat(u.message()).isNull();
        });
    }
}
