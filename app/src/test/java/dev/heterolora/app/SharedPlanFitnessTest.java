package dev.heterolora.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.core.SiteKind;
import dev.heterolora.search.Evaluation;
import dev.heterolora.search.PlanFitness;
import dev.heterolora.search.SiteScores;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Unit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A per-plan objective shared through the study's plans queue, on a real H2 file with one connection per worker:
 * every distinct plan is evaluated once however many generations or workers ask for it, every worker reads the same
 * doubles (NaN included) in its own order, and a plan whose evaluation fails fails the search in one line.
 */
class SharedPlanFitnessTest {
    private static final long STUDY = 7;

    /**
     * A stand-in for a per-plan proxy: counts its runs per plan; fitness from the ranks, NaN for plans of 3 sites,
     * an error for a rank of 99; with a gate, its first evaluation waits until the other worker's has started.
     */
    private static final class CountingFitness implements PlanFitness {
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        volatile CountDownLatch gate;

        @Override
        public List<Evaluation> evaluate(List<AdapterPlan> plans) {
            List<Evaluation> out = new ArrayList<>();
            for (AdapterPlan p : plans) {
                runs.computeIfAbsent(p.toJsonString(), k -> new AtomicInteger()).incrementAndGet();
                CountDownLatch g = gate;
                if (g != null) {
                    g.countDown();
                    try {
                        g.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int total = p.adapters().values().stream().mapToInt(SiteAdapter::rank).sum();
                if (p.adapters().values().stream().anyMatch(a -> a.rank() == 99)) {
                    throw new HeteroloraException("the probe diverged on this plan");
                }
                double fitness = p.adapters().size() == 3 ? Double.NaN : 1.0 / 3 + total / 7.0;
                out.add(new Evaluation(fitness, Map.of("jacov", fitness, "params", (double) total)));
            }
            return out;
        }

        @Override
        public Optional<SiteScores> additive() {
            return Optional.empty();
        }

        int totalRuns() {
            return runs.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    private static AdapterPlan plan(int... ranks) {
        TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
        for (int i = 0; i < ranks.length; i++) {
            if (ranks[i] > 0) {
                m.put(new AdapterSite(i, SiteKind.Q), new SiteAdapter(ranks[i], 2.0 * ranks[i]));
            }
        }
        return new AdapterPlan(m);
    }

    private static String url(Path dir) {
        return "jdbc:h2:file:" + dir.resolve("studies").toAbsolutePath();
    }

    @Test
    void eachDistinctPlanIsEvaluatedOnceAcrossGenerations(@TempDir Path dir) {
        CountingFitness local = new CountingFitness();
        try (StudyStore db = StudyStore.open(url(dir))) {
            SharedPlanFitness shared = new SharedPlanFitness(db, STUDY, local);
            List<AdapterPlan> first = List.of(plan(1, 2), plan(4), plan(1, 2), plan(2, 1));
            List<Evaluation> got = shared.evaluate(first);
            assertThat(local.runs.get(plan(1, 2).toJsonString())).hasValue(1);
            assertThat(local.totalRuns()).isEqualTo(3);
            assertThat(got).isEqualTo(new CountingFitness().evaluate(first));
            local.runs.clear();
            // the next generation meets two known plans and one new one
            List<Evaluation> next = shared.evaluate(List.of(plan(4), plan(8, 8), plan(2, 1)));
            assertThat(local.runs.keySet()).containsExactly(plan(8, 8).toJsonString());
            assertThat(next.get(0)).isEqualTo(got.get(1));
            assertThat(next.get(2)).isEqualTo(got.get(3));
            assertThat(db.workQueue().units(StudyStorage.studyQueue(STUDY, SharedPlanFitness.PURPOSE)))
                    .hasSize(4).allMatch(u -> u.status() == Status.FINISHED && u.attempts() == 1);
        }
    }

    @Test
    void nanAndExactDoublesComeBackFromTheQueue(@TempDir Path dir) {
        CountingFitness local = new CountingFitness();
        try (StudyStore db = StudyStore.open(url(dir))) {
            Evaluation nan = new SharedPlanFitness(db, STUDY, local).evaluate(List.of(plan(1, 1, 1))).get(0);
            assertThat(nan.fitness()).isNaN();
            Evaluation third = new SharedPlanFitness(db, STUDY, local).evaluate(List.of(plan(5))).get(0);
            assertThat(third.fitness()).isEqualTo(1.0 / 3 + 5 / 7.0); // bit for bit
            assertThat(third.proxyScores()).containsEntry("params", 5.0);
        }
    }

    @Test
    void twoWorkersShareOneGenerationAndEachPlanRunsOnce(@TempDir Path dir) throws Exception {
        List<AdapterPlan> generation = new ArrayList<>();
        for (int r = 1; r <= 12; r++) {
            generation.add(plan(r % 5, r));
        }
        CountingFitness a = new CountingFitness();
        CountingFitness b = new CountingFitness();
        // each worker's first plan waits until the other has started one: both take part
        CountDownLatch bothBusy = new CountDownLatch(2);
        a.gate = bothBusy;
        b.gate = bothBusy;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (StudyStore dbA = StudyStore.open(url(dir)); StudyStore dbB = StudyStore.open(url(dir))) {
            Future<List<Evaluation>> fa = pool.submit(() -> new SharedPlanFitness(dbA, STUDY, a).evaluate(generation));
            Future<List<Evaluation>> fb = pool.submit(() -> new SharedPlanFitness(dbB, STUDY, b)
                    .evaluate(generation.reversed()));
            List<Evaluation> ra = fa.get();
            List<Evaluation> rb = fb.get();
            assertThat(rb.reversed()).isEqualTo(ra);
            assertThat(a.totalRuns() + b.totalRuns()).isEqualTo(12);
            assertThat(a.runs.keySet()).doesNotContainAnyElementsOf(b.runs.keySet());
            assertThat(a.totalRuns()).isPositive();
            assertThat(b.totalRuns()).isPositive();
            List<Unit> units = dbA.workQueue().units(StudyStorage.studyQueue(STUDY, SharedPlanFitness.PURPOSE));
            assertThat(units).hasSize(12).allMatch(u -> u.status() == Status.FINISHED && u.attempts() == 1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPlanThatFailsFailsTheSearchInOneLine(@TempDir Path dir) {
        try (StudyStore db = StudyStore.open(url(dir))) {
            SharedPlanFitness shared = new SharedPlanFitness(db, STUDY, new CountingFitness());
            assertThatThrownBy(() -> shared.evaluate(List.of(plan(2), plan(6, 99))))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessageContaining("the probe diverged on this plan")
                    .hasMessageNotContaining("\n");
        }
    }
}
