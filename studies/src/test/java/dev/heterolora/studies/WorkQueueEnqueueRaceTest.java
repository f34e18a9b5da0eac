package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two workers enqueue the same units at the same moment (as every worker of a shared search or experiment does):
 * neither fails on the other's insert, and each unit is stored once. Found by a shared search's two workers, whose
 * enqueue failed with a unique-key violation.
 */
class WorkQueueEnqueueRaceTest {
    @ParameterizedTest
    @ValueSource(strings = {"h2-file", "postgresql"})
    void concurrentEnqueuesOfTheSameUnitsStoreEachOnce(String backend, @TempDir Path dir) throws Exception {
        String url = backend.equals("h2-file") ? "jdbc:h2:file:" + dir.resolve("race").toAbsolutePath()
                : TestPostgres.newDatabase();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (StudyStore a = StudyStore.open(url); StudyStore b = StudyStore.open(url)) {
            CyclicBarrier together = new CyclicBarrier(2);
            for (int round = 0; round < 30; round++) {
                List<NewUnit> units = IntStream.range(0, 20)
                        .mapToObj(i -> new NewUnit("unit " + i, "{}")).toList();
                String queue = "round-" + round;
                List<Future<?>> both = new ArrayList<>();
                for (StudyStore s : List.of(a, b)) {
                    both.add(pool.submit(() -> {
                        together.await();
                        s.workQueue().enqueue(queue, units);
                        return null;
                    }));
                }
                for (Future<?> f : both) {
                    f.get();
                }
                assertThat(a.workQueue().units(queue)).extracting(Unit::key)
                        .containsExactlyInAnyOrderElementsOf(units.stream().map(NewUnit::key).toList());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
