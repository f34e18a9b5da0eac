package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The work queue on H2: claims, leases, exactly-once results, and claims racing on separate connections. */
class WorkQueueTest extends InMemoryStoreTest {
    private static final Duration LONG = Duration.ofMinutes(5);
    private static final Duration SHORT = Duration.ofMillis(300);

    private WorkQueue queue() {
        return store.workQueue();
    }

    private static List<NewUnit> units(int n) {
        return IntStream.range(0, n).mapToObj(i -> new NewUnit("u" + i, "{\"i\":" + i + "}")).toList();
    }

    @Test
    void enqueueIsIdempotentPerQueueAndKey() {
        queue().enqueue("a", units(3));
        queue().enqueue("a", List.of(new NewUnit("u1", "{\"changed\":true}"), new NewUnit("u3", "{}")));
        queue().enqueue("b", units(1));
        assertThat(queue().units("a")).extracting(Unit::key).containsExactly("u0", "u1", "u2", "u3");
        assertThat(queue().units("a").get(1).payloadJson()).isEqualTo("{\"i\":1}");
        assertThat(queue().units("a")).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo(Status.QUEUED);
            assertThat(u.attempts()).isZero();
            assertThat(u.worker()).isNull();
        });
        assertThat(queue().queues()).containsExactly("a", "b");
    }

    @Test
    void claimsInOrderThenCompletesOnce() {
        queue().enqueue("q", units(2));
        ClaimedUnit first = queue().claim("q", "w1", LONG).orElseThrow();
        ClaimedUnit second = queue().claim("q", "w2", LONG).orElseThrow();
        assertThat(List.of(first.key(), second.key())).containsExactly("u0", "u1");
        assertThat(first).extracting(ClaimedUnit::payloadJson, ClaimedUnit::worker, ClaimedUnit::attempt)
                .containsExactly("{\"i\":0}", "w1", 1);
        assertThat(queue().claim("q", "w3", LONG)).isEmpty();

        queue().heartbeat(first, LONG);
        queue().complete(first, "{\"loss\":0.5}");
        queue().fail(second, "out of memory");
        assertThat(queue().units("q")).extracting(Unit::status, Unit::worker, Unit::resultJson, Unit::message)
                .containsExactly(tuple(Status.FINISHED, "w1", "{\"loss\":0.5}", null),
                        tuple(Status.FAILED, "w2", null, "out of memory"));
        assertThat(queue().units("q").get(0).heartbeatAt()).isNotNull();

        assertThatThrownBy(() -> queue().complete(first, "{\"loss\":0.1}")).isInstanceOf(LeaseLostException.class)
                .hasMessage("lost the lease on unit 'u0' of queue q (attempt 1): it is finished");
        assertThat(queue().units("q").get(0).resultJson()).isEqualTo("{\"loss\":0.5}");
    }

    @Test
    void anExpiredLeaseIsReclaimedAndTheLateWorkerIsRefused() throws Exception {
        queue().enqueue("q", units(1));
        ClaimedUnit late = queue().claim("q", "slow", SHORT).orElseThrow();
        Thread.sleep(SHORT.toMillis() + 200);
        ClaimedUnit again = queue().claim("q", "fast", LONG).orElseThrow();
        assertThat(again).extracting(ClaimedUnit::key, ClaimedUnit::attempt).containsExactly("u0", 2);

        for (Runnable refused : List.<Runnable>of(() -> queue().complete(late, "{\"late\":true}"),
                () -> queue().heartbeat(late, LONG), () -> queue().fail(late, "x"))) {
            assertThatThrownBy(refused::run).isInstanceOf(LeaseLostException.class)
                    .hasMessage("lost the lease on unit 'u0' of queue q (attempt 1): worker fast holds it (attempt 2)");
        }
        queue().complete(again, "{\"late\":false}");
        assertThat(queue().units("q")).singleElement()
                .extracting(Unit::status, Unit::attempts, Unit::resultJson)
                .containsExactly(Status.FINISHED, 2, "{\"late\":false}");
    }

    @Test
    void aLateWorkerMayStillFinishWhileNobodyHasTakenItsUnit() throws Exception {
        queue().enqueue("q", units(1));
        ClaimedUnit unit = queue().claim("q", "slow", SHORT).orElseThrow();
        Thread.sleep(SHORT.toMillis() + 200);
        queue().heartbeat(unit, LONG);
        assertThat(queue().claim("q", "other", LONG)).isEmpty();
        queue().complete(unit, "{}");
        assertThat(queue().units("q").get(0).status()).isEqualTo(Status.FINISHED);
    }

    @Test
    void aUnitWhoseLeaseExpiresOnEveryAttemptFails() throws Exception {
        queue().enqueue("q", units(1));
        for (int attempt = 1; attempt <= WorkQueue.MAX_ATTEMPTS; attempt++) {
            assertThat(queue().claim("q", "crashy", SHORT).orElseThrow().attempt()).isEqualTo(attempt);
            Thread.sleep(SHORT.toMillis() + 200);
        }
        assertThat(queue().claim("q", "w", LONG)).isEmpty();
        assertThat(queue().units("q")).singleElement().extracting(Unit::status, Unit::attempts, Unit::message)
                .containsExactly(Status.FAILED, 3, "lease expired (attempt 3 of 3, worker crashy)");
    }

    @Test
    void theLeaseKeeperKeepsALeaseAliveAndNoticesWhenItIsLost() throws Exception {
        queue().enqueue("q", units(2));
        ClaimedUnit kept = queue().claim("q", "a", SHORT).orElseThrow();
        try (LeaseKeeper keeper = LeaseKeeper.start(queue(), kept, SHORT)) {
            Thread.sleep(3 * SHORT.toMillis());
            assertThat(queue().claim("q", "b", LONG)).get().extracting(ClaimedUnit::key).isEqualTo("u1");
            assertThat(keeper.lost()).isFalse();
            queue().complete(kept, "{}");
        }
        assertThat(queue().claim("q", "b", LONG)).isEmpty();

        queue().enqueue("r", units(1));
        ClaimedUnit stolen = queue().claim("r", "a", SHORT).orElseThrow();
        Thread.sleep(SHORT.toMillis() + 200);
        queue().claim("r", "thief", LONG).orElseThrow();
        try (LeaseKeeper keeper = LeaseKeeper.start(queue(), stolen, SHORT)) {
            Thread.sleep(SHORT.toMillis());
            assertThat(keeper.lost()).isTrue();
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> queue().claim("q", "w", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queue().claim(" ", "w", LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NewUnit("", "{}")).isInstanceOf(IllegalArgumentException.class);
        queue().enqueue("q", units(1));
        assertThatThrownBy(() -> sql("UPDATE work_unit SET status = 'done'")).isInstanceOf(HeteroloraException.class)
                .message().containsIgnoringCase("CK_WORK_UNIT_STATUS");
    }

    /** Eight workers, each on its own connection to one file database, race for 400 units: each is claimed once. */
    @Test
    @Timeout(60)
    void racingWorkersNeverGetTheSameUnit(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("q") + ";USER=owner;PASSWORD=pw";
        int workers = 8;
        int count = 400;
        List<StudyStore> stores = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            for (int i = 0; i < workers; i++) {
                stores.add(StudyStore.open(url));
            }
            stores.get(0).workQueue().enqueue("race", units(count));
            Map<Long, String> claimedBy = new ConcurrentHashMap<>();
            AtomicInteger duplicates = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                WorkQueue q = stores.get(i).workQueue();
                String name = "w" + i;
                done.add(pool.submit(() -> {
                    start.await();
                    return new Worker(q, name, LONG).drain("race", u -> {
                        if (claimedBy.putIfAbsent(u.id(), name) != null) {
                            duplicates.incrementAndGet();
                        }
                        return "{\"by\":\"" + name + "\"}";
                    });
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertThat(duplicates).hasValue(0);
            assertThat(total).isEqualTo(count);
            assertThat(stores.get(0).workQueue().units("race")).hasSize(count).allSatisfy(u -> {
                assertThat(u.status()).isEqualTo(Status.FINISHED);
                assertThat(u.attempts()).isEqualTo(1);
                assertThat(u.resultJson()).isEqualTo("{\"by\":\"" + claimedBy.get(u.id()) + "\"}");
            });
        } finally {
            pool.shutdownNow();
            stores.forEach(StudyStore::close);
        }
    }
}
