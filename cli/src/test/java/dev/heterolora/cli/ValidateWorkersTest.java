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
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cooperating {@code validate} workers: two processes started together with the same command on one database (the
 * data directory's H2 server, or PostgreSQL) work on one validation run: every plan is trained exactly once, by one of
 * them, the run and its correlations are stored once, and {@code jobs} shows the queue.
 */
class ValidateWorkersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"h2-server", "postgresql"})
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void twoWorkersShareOneValidationRun(String backend, @TempDir Path tmp) throws Exception {
        try (SharedStore shared = SharedStore.of(backend, tmp.resolve("home"))) {
            List<String> where = shared.where();
            long study = search(tmp, where);
            List<String> validate = with(where, "validate", "--study", String.valueOf(study), "--sample", "4",
                    "--steps", "4", "--held-out", "8", "--batch-size", "4", "--lease", "30", "--json", "--device",
                    "cpu");
            List<CompletableFuture<String>> workers = Stream.of(1, 2)
                    .map(i -> CompletableFuture.supplyAsync(() -> ChildProcess.runHeterolora(validate))).toList();
            List<JsonNode> outs = new ArrayList<>();
            for (CompletableFuture<String> w : workers) {
                outs.add(JSON.readTree(w.get()));
            }
            long run = outs.get(0).get("run").asLong();
            int plans = outs.get(0).get("plans").size();
            assertThat(outs).allSatisfy(o -> {
                assertThat(o.get("run").asLong()).as("one run for both workers").isEqualTo(run);
                assertThat(o.get("plans")).hasSize(plans);
                assertThat(o.get("not_trained")).isEmpty();
            });
            assertThat(plans).isGreaterThanOrEqualTo(4);
            assertThat(outs.get(0).get("trained_here").asInt() + outs.get(1).get("trained_here").asInt())
                    .as("every plan trained exactly once").isEqualTo(plans);

            try (StudyStore store = shared.open()) {
                List<Run> runs = store.runs(study).stream().filter(r -> r.kind().equals("validate")).toList();
                assertThat(runs).extracting(Run::id).containsExactly(run);
                assertThat(runs.get(0).status()).isEqualTo(Status.FINISHED);
                assertThat(store.validations(run)).hasSize(plans).extracting(Validation::label).doesNotHaveDuplicates();
                assertThat(store.correlations(run)).isNotEmpty();
                String queue = "study:" + study + ":validate:sample=4,steps=4,lr=0.001,batch=4,held-out=8,trials="
                        + store.trialCount(study);
                List<Unit> units = store.workQueue().units(queue);
                assertThat(units).hasSize(plans).allSatisfy(u -> {
                    assertThat(u.status()).isEqualTo(Status.FINISHED);
                    assertThat(u.attempts()).isEqualTo(1);
                });
                assertThat(store.workQueue().units(queue + ":final")).singleElement()
                        .satisfies(u -> assertThat(u.attempts()).as("correlations computed once").isEqualTo(1));
                CliRunner jobs = CliRunner.run(with(where, "jobs", "--queue", queue).toArray(String[]::new));
                assertThat(jobs.exitCode()).as(jobs.err()).isZero();
                assertThat(jobs.out().lines().filter(l -> l.contains(" finished "))).hasSize(plans);
            }
        }
    }

    /** A quick study of the tiny Llama fixture; returns its id. */
    static long search(Path tmp, List<String> where) throws Exception {
        Path rows = CliRunner.rows(tmp);
        CliRunner search = CliRunner.run(with(where, "search", "--model", CliRunner.fixture("llama-tiny").toString(),
                "--data", rows.toString(), "--budget", "4%", "--generations", "3", "--population", "8", "--json",
                "--device", "cpu").toArray(String[]::new));
        assertThat(search.exitCode()).as(search.err()).isZero();
        return JSON.readTree(search.out()).get("study").asLong();
    }

    /** {@code args} followed by {@code where}. */
    static List<String> with(List<String> where, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(where);
        return all;
    }
}
