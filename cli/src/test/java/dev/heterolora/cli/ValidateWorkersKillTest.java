package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.Validation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Four {@code validate} processes on one validation of a study (of the tiny Llama fixture: the tiny world took 5
 * minutes to build on a loaded 2-core machine, and the queue is the same), on one database (the data directory's H2
 * server, or PostgreSQL); one is killed with -9 while it trains a plan. Its plan is trained again
 * by another worker once the lease runs out; every plan ends with one row, the run finishes once.
 */
@Tag("slow")
class ValidateWorkersKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LEASE = 10;

    @ParameterizedTest
    @ValueSource(strings = {"h2-server", "postgresql"})
    @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aWorkerKilledMidPlanLeavesItToAnotherAfterTheLease(String backend, @TempDir Path tmp) throws Exception {
        List<ChildCli> workers = new ArrayList<>();
        try (SharedStore shared = SharedStore.of(backend, tmp.resolve("home")); StudyStore store = shared.open()) {
            List<String> where = shared.where();
            long study = ValidateWorkersTest.search(tmp, where);
            String queue = "study:" + study + ":validate:sample=6,steps=150,lr=0.001,batch=4,held-out=8,trials="
                    + store.trialCount(study);
            List<String> validate = ValidateWorkersTest.with(where, "validate", "--study", String.valueOf(study),
                    "--sample", "6", "--steps", "150", "--held-out", "8", "--batch-size", "4", "--lease", String.valueOf(LEASE), "--json",
                    "--device", "cpu");
            for (int i = 0; i < 4; i++) {
                workers.add(ChildCli.start(validate));
            }
            ChildCli doomed = null;
            String held = null;
            for (long end = System.nanoTime() + 600_000_000_000L; doomed == null && System.nanoTime() < end; ) {
                Thread.sleep(20);
                for (Unit u : store.workQueue().units(queue)) {
                    Optional<ChildCli> w = workers.stream().filter(c -> u.status() == Status.RUNNING
                            && u.worker().endsWith(":" + c.pid())).findFirst();
                    if (w.isPresent()) {
                        doomed = w.get();
                        held = u.key();
                        break;
                    }
                }
            }
            assertThat(doomed).as("a worker holding a plan").isNotNull();
            doomed.kill();
            assertThat(doomed.waitFor(30)).isNotZero();
            String heldKey = held;
            String dead = store.workQueue().units(queue).stream().filter(u -> u.key().equals(heldKey)).findFirst()
                    .orElseThrow().worker();

            int trained = 0;
            long run = -1;
            for (ChildCli w : workers) {
                if (w != doomed) {
                    assertThat(w.waitFor(600)).as("%s", w.lines()).isZero();
                    JsonNode o = JSON.readTree(w.lines().stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                            .orElseThrow());
                    assertThat(run == -1 || run == o.get("run").asLong()).as("one run for every worker").isTrue();
                    run = o.get("run").asLong();
                    trained += o.get("trained_here").asInt();
                    assertThat(o.get("not_trained")).isEmpty();
                }
            }
            List<Unit> units = store.workQueue().units(queue);
            assertThat(units).allSatisfy(u -> {
                assertThat(u.status()).isEqualTo(Status.FINISHED);
                assertThat(u.attempts()).as(u.key()).isEqualTo(u.key().equals(heldKey) ? 2 : 1);
            });
            assertThat(units).filteredOn(u -> u.key().equals(heldKey)).singleElement()
                    .satisfies(u -> assertThat(u.worker()).as("taken over").isNotEqualTo(dead));
            long byDead = units.stream().filter(u -> u.worker().equals(dead)).count();
            assertThat(trained + byDead).as("plans trained by the living workers and those the dead one completed")
                    .isEqualTo(units.size());
            List<Run> runs = store.runs(study).stream().filter(r -> r.kind().equals("validate")).toList();
            assertThat(runs).extracting(Run::id).containsExactly(run);
            assertThat(runs.get(0).status()).isEqualTo(Status.FINISHED);
            assertThat(store.validations(run)).hasSize(units.size()).extracting(Validation::label)
                    .doesNotHaveDuplicates();
            assertThat(store.validations(run)).allSatisfy(v -> assertThat(v.trainedLoss()).isFinite().isPositive());
            assertThat(store.correlations(run)).isNotEmpty();
            assertThat(store.workQueue().units(queue + ":final")).singleElement()
                    .satisfies(u -> assertThat(u.attempts()).isEqualTo(1));
        } finally {
            workers.forEach(ChildCli::close);
        }
    }
}
