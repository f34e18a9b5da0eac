package dev.heterolora.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.StudyStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A step done once among cooperating workers (store an experiment's table): done once, its result handed to every
 * later call, and tried again by a later call after it failed (a table that could not be stored while the disk was
 * full is stored by the command run again, instead of failing for good).
 */
class SharedWorkTest {
    @Test
    void aStepIsDoneOnceAndAFailedStepIsTriedAgainByTheNextCall() {
        try (StudyStore store = StudyStore.open("jdbc:h2:mem:")) {
            AtomicInteger runs = new AtomicInteger();
            Duration lease = Duration.ofMinutes(1);
            assertThatThrownBy(() -> SharedWork.once(store.workQueue(), "x:table", lease, () -> {
                runs.incrementAndGet();
                throw new HeteroloraException("cannot write the study database: the disk is full");
            })).isInstanceOf(HeteroloraException.class).hasMessageContaining("the disk is full");
            assertThat(SharedWork.once(store.workQueue(), "x:table", lease, () -> {
                runs.incrementAndGet();
                return "{\"run\":7}";
            }).get("run").asLong()).isEqualTo(7);
            assertThat(SharedWork.once(store.workQueue(), "x:table", lease, () -> {
                runs.incrementAndGet();
                return "{\"run\":8}";
            }).get("run").asLong()).as("done: the stored result").isEqualTo(7);
            assertThat(runs).hasValue(2);
        }
    }
}
