package dev.heterolora.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Unit;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.world.WorldBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiment rlhf} shared by cooperating workers (threads here, each with its own connection to one H2 file):
 * every (variant, seed) is launched once, the table is stored once, a crashed worker's run is redone after its
 * lease and a finished experiment is not redone. The launcher stands in for the child {@code train} JVM; the CLI's
 * end-to-end test runs real ones.
 */
class RlhfExperimentWorkersTest {
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");
    private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @TempDir
    static Path home;

    /**
     * A world folder whose policy is the tiny Llama fixture: the launcher stands in for {@code train}, so the
     * experiment reads only the policy's configuration (to count trainable parameters); building even the tiny
     * world took minutes of this test's time on a busy 2-core machine.
     */
    @BeforeAll
    static void worldFolder() throws IOException {
        Path policy = Files.createDirectories(WorldHome.policy(WorldHome.dir(home)));
        try (Stream<Path> files = Files.list(SearchJobTest.LLAMA)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, policy.resolve(f.getFileName()));
            }
        }
        Files.writeString(WorldHome.dir(home).resolve(WorldBuilder.REPORT), "{}");
    }

    /** A stand-in for the child {@code train}: records every launch, answers a summary made from the seed. */
    private static final class FakeTrain implements RlhfExperiment.Launcher {
        final Map<String, AtomicInteger> launches = new ConcurrentHashMap<>();
        final List<Path> outs = new CopyOnWriteArrayList<>();
        final AtomicLong runs = new AtomicLong(1000);
        final AtomicInteger openStores;
        volatile String crashOn;

        FakeTrain(AtomicInteger openStores) {
            this.openStores = openStores;
        }

        @Override
        public List<String> flags(List<String> tuning, PpoSettings settings) {
            List<String> f = new ArrayList<>(tuning);
            f.addAll(List.of("--regulariser", settings.regulariser().id(), "--seed", String.valueOf(settings.seed()),
                    "--steps", String.valueOf(settings.steps())));
            return f;
        }

        /** No process to stop: a SIGTERM's path through a real child is RlhfInterruptTest's (cli). */
        @Override
        public void stop() {}

        @Override
        public String train(List<String> flags, Path out) {
            String key = String.join(" ", flags);
            if (openStores != null) {
                // over an embedded H2 file the child must be able to open the database: the parent has closed it
                assertThat(openStores.get()).as("stores open while a child runs").isZero();
            }
            if (key.equals(crashOn)) {
                crashOn = null;
                throw new IllegalStateException("the worker died here");
            }
            launches.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            outs.add(out);
            sleep(150);
            double seed = Double.parseDouble(flags.get(flags.indexOf("--seed") + 1));
            if (flags.contains("none") && seed == 8) {
                throw new HeteroloraException("train exited with status 2");
            }
            return Json.object().put("run", runs.incrementAndGet()).put("win_rate", 0.5 + seed / 100)
                    .put("reward", seed).put("factuality", 0.1).put("kl", 0.2).put("reward_before", 0.0)
                    .put("factuality_before", 0.0).put("seconds", 1.0).put("weights_mb", 4.0).put("state_mb", 1.0)
                    .put("peak_rss_mb", 500.0).put("rollout_tokens_per_second", 100.0)
                    .put("train_step_seconds", 0.5).toString() + "\n";
        }
    }

    private static RlhfExperiment.Request request(String name, int seeds, Duration lease) {
        return new RlhfExperiment.Request(name, PpoSettings.defaults().withSteps(2).withSeed(7), List.of("kl", "none"),
                seeds, 4, true, 1e-5, lease);
    }

    /** The database at {@code url}; each open is counted until it is closed (into {@code open}, if given). */
    private static RlhfExperiment.Database database(String url, boolean shared, AtomicInteger open) {
        return new RlhfExperiment.Database() {
            @Override
            public StudyStorage open() {
                StudyStore store = StudyStore.open(url);
                if (open == null) {
                    return store;
                }
                open.incrementAndGet();
                return (StudyStorage) Proxy.newProxyInstance(StudyStorage.class.getClassLoader(),
                        new Class<?>[] {StudyStorage.class}, (proxy, method, args) -> {
                            if (method.getName().equals("close")) {
                                open.decrementAndGet();
                            }
                            try {
                                return method.invoke(store, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }

            @Override
            public boolean shared() {
                return shared;
            }
        };
    }

    @Test
    void twoWorkersShareTheRunsEachLaunchedOnceAndStoreTheTableOnce(@TempDir Path tmp) throws Exception {
        String url = "jdbc:h2:" + tmp.resolve("db");
        FakeTrain launcher = new FakeTrain(null);
        RlhfExperiment.Request r = request("pair", 2, Duration.ofSeconds(5));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<RlhfExperiment.Outcome>> workers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            workers.add(pool.submit(() -> RlhfExperiment.run(database(url, true, null), home, r, CPU, launcher,
                    (done, total) -> { }, LOG)));
        }
        RlhfExperiment.Outcome a = workers.get(0).get();
        RlhfExperiment.Outcome b = workers.get(1).get();
        pool.shutdown();

        // 3 variants × 2 seeds, each launched exactly once, one of them failing for good (its run said so)
        assertThat(launcher.launches).hasSize(6).allSatisfy((k, n) -> assertThat(n.get()).as(k).isEqualTo(1));
        assertThat(a.completedHere() + b.completedHere()).isEqualTo(5);
        assertThat(a.runId()).isEqualTo(b.runId());
        assertThat(a.rows()).isEqualTo(b.rows());
        assertThat(a.rows()).extracting(RlhfExperiment.Row::variant)
                .containsExactly("full fine-tune / kl", "LoRA r4 / kl", "LoRA r4 / none");
        assertThat(a.rows()).extracting(RlhfExperiment.Row::failed).containsExactly(0, 0, 1);
        assertThat(a.rows().get(1).mean(RlhfExperiment.Result::reward)).isEqualTo(7.5);
        assertThat(a.failures()).containsExactly("LoRA r4 / none seed 8: train exited with status 2");
        assertThat(launcher.outs).allSatisfy(o -> assertThat(o.startsWith(home.resolve("runs/experiment-rlhf/pair")))
                .isTrue());
        try (StudyStore db = StudyStore.open(url)) {
            List<Run> tables = db.runs(null).stream().filter(x -> x.kind().equals(RlhfExperiment.KIND)).toList();
            assertThat(tables).hasSize(1).allSatisfy(t -> assertThat(t.status()).isEqualTo(Status.FINISHED));
            assertThat(Json.read(tables.get(0).configJson()))
                    .isEqualTo(Json.read(RlhfExperiment.table(a.rows(), r.base(), r.seeds()).toString()));
            assertThat(db.workQueue().units(r.queue())).extracting(Unit::attempts).containsOnly(1);
        }
    }

    @Test
    void aCrashedWorkersRunIsRedoneAfterItsLeaseAndAFinishedExperimentIsNotRedone(@TempDir Path tmp) {
        String url = "jdbc:h2:" + tmp.resolve("db");
        AtomicInteger open = new AtomicInteger();
        FakeTrain launcher = new FakeTrain(open);
        RlhfExperiment.Request r = request("crash", 1, Duration.ofSeconds(1));
        RlhfExperiment.Database db = database(url, false, open);
        launcher.crashOn = String.join(" ", launcher.flags(List.of("--uniform-rank", "4"),
                r.base().withRegulariser(dev.heterolora.trainer.ppo.Regulariser.parse("none"))));
        // the worker dies in the middle of the LoRA/none run: not a user error, so it escapes the worker's loop
        assertThatThrownBy(() -> RlhfExperiment.run(db, home, r, CPU, launcher, (d, t) -> { }, LOG))
                .isInstanceOf(IllegalStateException.class);
        assertThat(open.get()).as("every store closed").isZero();

        RlhfExperiment.Outcome o = RlhfExperiment.run(db, home, r, CPU, launcher, (d, t) -> { }, LOG);
        assertThat(o.completedHere()).as("the dead worker's run, after its lease").isEqualTo(1);
        assertThat(o.rows()).allSatisfy(row -> assertThat(row.runs()).hasSize(1));
        assertThat(launcher.outs).last().satisfies(out -> assertThat(out.getFileName().toString())
                .isEqualTo("LoRA-r4-none-seed7-attempt2"));
        RlhfExperiment.Outcome again = RlhfExperiment.run(db, home, r, CPU, launcher, (d, t) -> { }, LOG);
        assertThat(again.completedHere()).isZero();
        assertThat(again.runId()).isEqualTo(o.runId());
        assertThat(launcher.launches).hasSize(3).allSatisfy((k, n) -> assertThat(n.get()).as(k).isEqualTo(1));
        assertThat(open.get()).isZero();

        // the same name with other settings is refused before any run: the table would mix two experiments
        assertThatThrownBy(() -> RlhfExperiment.run(db, home, request("crash", 2, Duration.ofSeconds(1)), CPU,
                launcher, (d, t) -> { }, LOG)).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("experiment rlhf 'crash' was started with other settings");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
