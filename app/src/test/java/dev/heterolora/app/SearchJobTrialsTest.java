package dev.heterolora.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.Strategy;
import dev.heterolora.search.TrialLog;
import dev.heterolora.search.TrialRecord;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trials are committed in batches by a writer thread while the GA goes on: the study still holds every trial the
 * search reported, once, in order and with its values, when the search ends, fails or loses its database.
 */
class SearchJobTrialsTest {
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");
    private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    /** A GA long enough for several batches of trials (some 2,500 distinct plans on the tiny Llama). */
    private static SearchConfig longGa(Path tmp) {
        SearchSettings s = new SearchSettings(5, 60, 200, 200, 30, 4, 1.0);
        return new SearchRequest(SearchJobTest.LLAMA, SearchJobTest.ROWS, "4%", "ga", List.of("snip"), false,
                "0,1,2,4,8", "all", false, "2r", 2, 4, 32, 1e-3, s, 0).resolve(tmp, CPU, LOG);
    }

    @Test
    void theStudyHoldsEveryTrialTheSearchEvaluatedInOrderWithItsValues(@TempDir Path tmp) {
        SearchConfig config = longGa(tmp);
        List<double[]> reported = new ArrayList<>();
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchJob.Outcome o = SearchJob.start(db, config, null, CPU, (g, f) -> reported.add(new double[] {g, f}),
                    LOG);
            List<Trial> stored = db.trials(o.studyId());
            // the same search without a database: the plans, their order and values the study must hold
            SearchSpace space = SearchJob.space(config);
            TrialLog log = new TrialLog();
            try (SearchJob.Scoring scoring = SearchJob.scoring(config, space, CPU, LOG)) {
                Strategy.named("ga").run(space, new ProxyPlanFitness(scoring.scorer(), config.space().alpha()),
                        config.settings(), log);
            }
            assertThat(reported).hasSizeGreaterThan(2000);
            assertThat(stored).hasSize(reported.size()).hasSize(log.trials().size())
                    .hasSize(o.result().evaluations());
            for (int i = 0; i < stored.size(); i++) {
                Trial t = stored.get(i);
                TrialRecord r = log.trials().get(i);
                assertThat(t.seq()).isEqualTo(i);
                assertThat(t.generation()).isEqualTo(r.generation()).isEqualTo((int) reported.get(i)[0]);
                assertThat(t.planJson()).isEqualTo(r.plan().toJsonString());
                assertThat(t.params()).isEqualTo(r.parameters());
                assertThat(t.fitness()).isEqualTo(r.evaluation().fitness()).isEqualTo(reported.get(i)[1]);
                assertThat(t.proxyScores()).isEqualTo(r.evaluation().proxyScores());
            }
            assertThat(o.searchSeconds()).isPositive().isLessThan(o.seconds());
            assertThat(o.plansPerSecond()).isEqualTo(stored.size() / o.searchSeconds());
        }
    }

    @Test
    void aSearchThatFailsMidwayKeepsEveryTrialItReported(@TempDir Path tmp) {
        SearchConfig config = longGa(tmp);
        AtomicInteger reported = new AtomicInteger();
        SearchProgress failing = (g, f) -> {
            if (reported.incrementAndGet() == 1500) {
                throw new IllegalStateException("the progress display broke");
            }
        };
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            assertThatThrownBy(() -> SearchJob.start(db, config, "failing", CPU, failing, LOG))
                    .isInstanceOf(IllegalStateException.class).hasMessage("the progress display broke");
            long study = db.studyNamed("failing").orElseThrow().id();
            assertThat(db.study(study).orElseThrow().status()).isEqualTo(Status.FAILED);
            assertThat(db.trials(study)).extracting(Trial::seq).containsExactlyElementsOf(range(1500));
        }
    }

    @Test
    void aBatchTheDatabaseRefusesFailsTheSearchAndNothingAfterItIsWritten(@TempDir Path tmp) {
        SearchConfig config = longGa(tmp);
        AtomicInteger batches = new AtomicInteger();
        AtomicInteger reported = new AtomicInteger();
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            StudyStorage refusingTheSecondBatch = (StudyStorage) Proxy.newProxyInstance(
                    StudyStorage.class.getClassLoader(), new Class<?>[] {StudyStorage.class}, (proxy, m, args) -> {
                        if (m.getName().equals("recordTrials") && batches.incrementAndGet() == 2) {
                            throw new HeteroloraException("cannot write the study database: the disk is full");
                        }
                        try {
                            return m.invoke(db, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            assertThatThrownBy(() -> SearchJob.start(refusingTheSecondBatch, config, "full disk", CPU,
                    (g, f) -> reported.incrementAndGet(), LOG))
                    .isInstanceOf(HeteroloraException.class).hasMessageContaining("the disk is full");
            long study = db.studyNamed("full disk").orElseThrow().id();
            assertThat(db.study(study).orElseThrow().status()).isEqualTo(Status.FAILED);
            List<Trial> stored = db.trials(study);
            // the first batch only: no gap, nothing of the refused batch or after it
            assertThat(stored).extracting(Trial::seq).containsExactlyElementsOf(range(stored.size()));
            assertThat(stored.size()).isPositive().isLessThan(reported.get());
        }
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }
}
