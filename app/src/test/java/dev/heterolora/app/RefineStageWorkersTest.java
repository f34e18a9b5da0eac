package dev.heterolora.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.H2Server;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.Validation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refine stage shared by cooperating workers (processes, since DJL trains in one thread per JVM): every
 * (rung, plan) is trained exactly once, the winner is the one a single worker finds, the refine run is created and
 * finished once, and a worker that dies mid-training leaves its unit to another after the lease.
 */
class RefineStageWorkersTest {
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");
    private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    static final RefineStage.Request REQUEST = new RefineStage.Request(3, 8, 1e-3, 4, 8, 2);

    /** A finished random search of the tiny Llama in a fresh database; its id. */
    private static long study(String url, Path tmp) {
        try (StudyStore db = StudyStore.open(url)) {
            SearchConfig config = SearchJobTest.request("random", SearchJobTest.ROWS).resolve(tmp, CPU, LOG);
            return SearchJob.start(db, config, null, CPU, SearchProgress.NONE, LOG).studyId();
        }
    }

    private static SearchConfig config(StudyStorage db, long study) {
        return SearchConfig.fromJson(Json.read(db.study(study).orElseThrow().configJson()));
    }

    private static RefineStage.Outcome refine(String url, long study, Duration lease) {
        try (StudyStore db = StudyStore.open(url)) {
            return RefineStage.run(db, study, config(db, study), REQUEST, lease, CPU, LOG);
        }
    }

    @Test
    void twoWorkerProcessesTrainEveryRungAndPlanOnceAndPickTheSingleWorkersWinner(@TempDir Path tmp) throws Exception {
        String alone = "jdbc:h2:" + tmp.resolve("alone");
        long s1 = study(alone, tmp);
        RefineStage.Outcome single = refine(alone, s1, Duration.ofSeconds(30));
        int trainings = single.entries().stream().mapToInt(e -> e.losses().size()).sum();

        // two processes on one database through the data directory's H2 server, as two machines would share it
        Path home = Files.createDirectories(tmp.resolve("home"));
        try (H2Server server = H2Server.start(home, 0)) {
            long s2;
            try (StudyStore db = StudyDatabase.inHome(home).open()) {
                SearchConfig config = SearchJobTest.request("random", SearchJobTest.ROWS).resolve(tmp, CPU, LOG);
                s2 = SearchJob.start(db, config, null, CPU, SearchProgress.NONE, LOG).studyId();
            }
            List<Process> workers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                workers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true", "-Dh2.bindAddress=127.0.0.1", "-cp",
                        System.getProperty("java.class.path"), RefineWorkerProcess.class.getName(), home.toString(),
                        String.valueOf(s2), "30").redirectError(tmp.resolve("worker" + w + ".err").toFile()).start());
            }
            List<JsonNode> outs = new ArrayList<>();
            for (int w = 0; w < workers.size(); w++) {
                Process p = workers.get(w);
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as(Files.readString(tmp.resolve("worker" + w + ".err"))).isZero();
                outs.add(Json.read(out));
            }
            assertThat(outs.get(0).get("trained_here").asInt() + outs.get(1).get("trained_here").asInt())
                    .as("every (rung, plan) trained once").isEqualTo(trainings);
            assertThat(outs.get(0).get("run")).isEqualTo(outs.get(1).get("run"));
            for (JsonNode o : outs) {
                assertThat(AdapterPlan.fromJson(o.get("plan").toString())).as("the single worker's winner")
                        .isEqualTo(single.winner().plan());
            }
            try (StudyStore db = StudyDatabase.inHome(home).open()) {
                long run = outs.get(0).get("run").asLong();
                List<Run> runs = db.runs(s2).stream().filter(r -> r.kind().equals(RefineStage.KIND)).toList();
                assertThat(runs).hasSize(1).allSatisfy(r -> assertThat(r.status()).isEqualTo(Status.FINISHED));
                assertThat(db.validations(run)).hasSize(trainings);
                assertThat(db.workQueue().units(REQUEST.queue(s2))).hasSize(trainings)
                        .allSatisfy(u -> assertThat(u.status()).isEqualTo(Status.FINISHED)).extracting(Unit::attempts)
                        .containsOnly(1);
                assertThat(RefineStage.winner(db, s2)).contains(single.winner().plan());
                // the same losses as the single worker's, plan by plan and rung by rung
                RefineStage.Outcome late = RefineStage.run(db, s2, config(db, s2), REQUEST, Duration.ofSeconds(30),
                        CPU, LOG);
                assertThat(late.trainedHere()).as("joining a finished stage trains nothing").isZero();
                assertThat(late.runId()).isEqualTo(run);
                assertThat(late.entries()).hasSameSizeAs(single.entries());
                for (int i = 0; i < late.entries().size(); i++) {
                    RefineStage.Entry e = late.entries().get(i);
                    assertThat(e.plan()).isEqualTo(single.entries().get(i).plan());
                    assertThat(e.losses()).hasSameSizeAs(single.entries().get(i).losses());
                    for (int k = 0; k < e.losses().size(); k++) {
                        assertThat(e.losses().get(k)).isCloseTo(single.entries().get(i).losses().get(k), within(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void aWorkerThatDiesMidTrainingLeavesItsUnitToAnotherAfterTheLease(@TempDir Path tmp) {
        String url = "jdbc:h2:" + tmp.resolve("db");
        long study = study(url, tmp);
        AtomicInteger recorded = new AtomicInteger();
        try (StudyStore store = StudyStore.open(url)) {
            // this worker dies (an error that is not a user error) as it stores its second training
            StudyStorage dying = (StudyStorage) Proxy.newProxyInstance(StudyStorage.class.getClassLoader(),
                    new Class<?>[] {StudyStorage.class}, (proxy, method, args) -> {
                        if (method.getName().equals("recordValidation") && recorded.incrementAndGet() == 2) {
                            throw new IllegalStateException("the worker died here");
                        }
                        try {
                            return method.invoke(store, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            assertThatThrownBy(() -> RefineStage.run(dying, study, config(store, study), REQUEST,
                    Duration.ofSeconds(2), CPU, LOG)).isInstanceOf(IllegalStateException.class);
            Run failed = store.runs(study).stream().filter(r -> r.kind().equals(RefineStage.KIND)).findFirst()
                    .orElseThrow();
            assertThat(failed.status()).isEqualTo(Status.FAILED);
        }
        RefineStage.Outcome o = refine(url, study, Duration.ofSeconds(2));
        try (StudyStore db = StudyStore.open(url)) {
            assertThat(db.run(o.runId()).orElseThrow().status()).as("reopened and finished").isEqualTo(Status.FINISHED);
            List<Unit> units = db.workQueue().units(REQUEST.queue(study));
            assertThat(units).allSatisfy(u -> assertThat(u.status()).isEqualTo(Status.FINISHED));
            assertThat(units).filteredOn(u -> u.attempts() == 2).as("the dead worker's unit, redone").hasSize(1);
            assertThat(o.trainedHere()).isEqualTo(units.size() - 1);
            List<Validation> rows = db.validations(o.runId());
            assertThat(rows).hasSameSizeAs(units).extracting(Validation::label).doesNotHaveDuplicates();
            assertThat(rows).allSatisfy(v -> assertThat(v.trainedLoss()).isFinite());
        }
    }
}
