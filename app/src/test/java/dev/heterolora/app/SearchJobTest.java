package dev.heterolora.app;

import dev.heterolora.studies.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search use case without the CLI: a study is created, every trial stored, and its status kept true. */
class SearchJobTest {
    static final Path LLAMA = Path.of("../model/src/test/resources/fixtures/hf/llama-tiny").toAbsolutePath()
            .normalize();
    static final Path ROWS = Path.of("src/test/resources/fixtures/llama_rows.jsonl").toAbsolutePath();
    private static final ComputeSettings CPU = ComputeSettings.parse("cpu", "fp32");

    static SearchRequest request(String strategy, Path data) {
        SearchSettings d = SearchSettings.defaults(3);
        SearchSettings s = new SearchSettings(3, 12, 4, d.steadyGenerations(), 30, 4, d.topkFraction());
        return new SearchRequest(LLAMA, data, "4%", strategy, List.of("snip"), false, "0,1,2,4,8", "all", false,
                "2r", 2, 4, 32, 1e-3, s, 0);
    }

    private static final PrintStream LOG = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void storesEveryTrialReportsProgressAndFinishes(@TempDir Path tmp) {
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchConfig config = request("ga", ROWS).resolve(tmp, CPU, LOG);
            List<Double> seen = new ArrayList<>();
            SearchJob.Outcome o = SearchJob.start(db, config, "unit", CPU, (g, f) -> seen.add(f), LOG);
            Study s = db.study(o.studyId()).orElseThrow();
            assertThat(s.status()).isEqualTo(Status.FINISHED);
            assertThat(s.name()).isEqualTo("unit");
            List<Trial> trials = db.trials(o.studyId());
            assertThat(trials).hasSize(o.result().evaluations()).hasSize(seen.size());
            double best = trials.stream().mapToDouble(Trial::fitness).max().orElseThrow();
            assertThat(o.result().best().evaluation().fitness()).isEqualTo(best);
            assertThat(trials).allSatisfy(t -> assertThat(t.params()).isLessThanOrEqualTo(config.budgetLimit()));
            // the baselines scored with the same objective are kept with the study, each with its plan
            var stored = db.runs(o.studyId()).stream().filter(r -> r.kind().equals(SearchJob.BASELINES)).toList();
            assertThat(stored).hasSize(1);
            var baselines = Json.read(stored.get(0).configJson()).get("baselines");
            assertThat(baselines).hasSameSizeAs(o.baselines());
            assertThat(baselines).anySatisfy(b -> {
                assertThat(b.get("name").asText()).isEqualTo("peft-default");
                assertThat(b.get("plan").get("sites").size()).isPositive();
            });
        }
    }

    @Test
    void aFailedSearchIsMarkedFailedAndAFinishedOneCannotResume(@TempDir Path tmp) {
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchConfig good = request("knapsack", ROWS).resolve(tmp, CPU, LOG);
            long finished = SearchJob.start(db, good, null, CPU, SearchProgress.NONE, LOG).studyId();
            assertThatThrownBy(() -> SearchJob.resume(db, finished, CPU, SearchProgress.NONE, LOG))
                    .isInstanceOf(HeteroloraException.class).hasMessageContaining("has finished");
            SearchConfig missingRows = request("knapsack", tmp.resolve("gone.jsonl")).resolve(tmp, CPU, LOG);
            assertThatThrownBy(() -> SearchJob.start(db, missingRows, "broken", CPU, SearchProgress.NONE, LOG))
                    .isInstanceOf(HeteroloraException.class);
            Study broken = db.studyNamed("broken").orElseThrow();
            assertThat(broken.status()).isEqualTo(Status.FAILED);
        }
    }

    @Test
    void theRefineStageHalvesTheCandidatesAndItsWinnerIsWhatTrainBestTrains(@TempDir Path tmp) {
        try (StudyStore db = StudyStore.open("jdbc:h2:" + tmp.resolve("db"))) {
            SearchConfig config = request("random", ROWS).resolve(tmp, CPU, LOG);
            long study = SearchJob.start(db, config, null, CPU, SearchProgress.NONE, LOG).studyId();
            assertThat(RefineStage.winner(db, study)).isEmpty();
            RefineStage.Outcome o = RefineStage.run(db, study, config, new RefineStage.Request(3, 8, 1e-3, 4, 8, 2),
                    CPU, LOG);
            assertThat(o.entries()).extracting(RefineStage.Entry::label).contains("peft-default")
                    .filteredOn(l -> l.startsWith("trial ")).hasSize(3);
            // every entry trained at the first rung; only the better half went on; the winner is the best at the end
            assertThat(o.entries()).allSatisfy(e -> assertThat(e.losses()).isNotEmpty());
            int rungs = o.entries().stream().mapToInt(e -> e.losses().size()).max().orElseThrow();
            List<RefineStage.Entry> last = o.entries().stream().filter(e -> e.losses().size() == rungs).toList();
            assertThat(last).hasSize(1).containsExactly(o.winner());
            assertThat(o.entries().stream().filter(e -> e.losses().size() >= 2).count())
                    .isLessThanOrEqualTo((o.entries().size() + 1) / 2);
            assertThat(RefineStage.winner(db, study)).contains(o.winner().plan());
            assertThat(db.validations(o.runId())).hasSize(o.entries().stream().mapToInt(e -> e.losses().size()).sum());
        }
    }

    @Test
    void badRequestsFailInOneLineBeforeAnyWork(@TempDir Path tmp) {
        assertThatThrownBy(() -> request("annealing", ROWS).resolve(tmp, CPU, LOG))
                .isInstanceOf(HeteroloraException.class).hasMessageNotContaining("\n");
        SearchRequest noData = new SearchRequest(LLAMA, null, "1%", "ga", List.of("snip"), false, "0,1,2", "all",
                false, "2r", 1, 1, 8, 1e-3, SearchSettings.defaults(0), 0);
        assertThatThrownBy(() -> noData.resolve(tmp, CPU, LOG)).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("--data");
    }
}
