package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code refine --study} end to end on a study of the tiny Llama fixture: it runs the stage of a finished study,
 * a second run after a worker died redoes only that worker's training, and the stage's queue is what {@code jobs}
 * shows; two {@code refine} processes on one PostgreSQL database share the stage.
 */
class RefineCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path home;

    @BeforeAll
    static void rows() throws IOException {
        CliRunner.rows(home);
    }

    private static CliRunner run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        return CliRunner.run(all);
    }

    private static JsonNode sql(String query) throws IOException {
        CliRunner r = run("sql", "--json", query);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @Test
    void refineRunsTheStageOfAFinishedStudyAndAnotherProcessRedoesADeadWorkersTraining() throws IOException {
        CliRunner search = run("search", "--model", CliRunner.fixture("llama-tiny").toString(), "--data",
                home.resolve("rows.jsonl").toString(), "--budget", "4%", "--strategy", "random", "--generations", "2",
                "--population", "6", "--name", "to-refine", "--json", "--device", "cpu");
        assertThat(search.exitCode()).as(search.err()).isZero();
        long study = JSON.readTree(search.out()).get("study").asLong();
        String[] args = {"refine", "--study", "to-refine", "--candidates", "2", "--steps", "4", "--lease", "2",
            "--device", "cpu", "--json"};
        CliRunner first = run(args);
        assertThat(first.exitCode()).as(first.err()).isZero();
        JsonNode o = JSON.readTree(first.out());
        int trainings = 0;
        for (JsonNode e : o.get("entries")) {
            trainings += e.get("losses").size();
        }
        assertThat(o.get("trained_here").asInt()).isEqualTo(trainings).isGreaterThan(o.get("entries").size());
        assertThat(o.get("study").asLong()).isEqualTo(study);
        String queue = "study:" + study + ":refine:c2-s4-eta2-lr0.001-b16-h200";
        int stage = trainings;
        assertThat(JSON.readTree(run("jobs", "--queue", queue, "--json").out())).hasSize(trainings);

        // a worker died in the middle of a first-rung training: its lease long expired, no result
        CliRunner kill = run("sql", "--write", "UPDATE work_unit SET status = 'running', worker = 'dead:1', "
                + "lease_until = DATEADD('HOUR', -1, CURRENT_TIMESTAMP), result_json = NULL WHERE queue = '" + queue
                + "' AND unit_key LIKE 'rung 0: trial %' AND id = (SELECT MIN(id) FROM work_unit WHERE queue = '"
                + queue + "')");
        assertThat(kill.exitCode()).as(kill.err()).isZero();
        CliRunner again = run(args);
        assertThat(again.exitCode()).as(again.err()).isZero();
        JsonNode redone = JSON.readTree(again.out());
        assertThat(redone.get("trained_here").asInt()).as("only the dead worker's training").isEqualTo(1);
        assertThat(redone.get("run")).isEqualTo(o.get("run"));
        assertThat(redone.get("winner")).isEqualTo(o.get("winner"));
        assertThat(sql("SELECT STATUS FROM RUN WHERE KIND = 'refine' AND STUDY_ID = " + study))
                .hasSize(1).allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("finished"));
        assertThat(sql("SELECT COUNT(*) AS N FROM VALIDATION WHERE RUN_ID = " + o.get("run").asLong()).get(0)
                .get("n").asInt()).isEqualTo(trainings);
        // jobs lists the stage's queue (its name longer than the column used to be) with every unit finished
        assertThat(run("jobs").out().lines().filter(l -> l.startsWith(queue + " ")))
                .singleElement().satisfies(l -> assertThat(l.split(" +"))
                        .containsExactly(queue, "0", "0", String.valueOf(stage), "0", "0"));

        CliRunner bad = run("refine", "--study", "to-refine", "--candidates", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("heterolora: a refine stage needs --candidates >= 1");
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void twoRefineProcessesOnPostgresqlShareTheStageOfOneStudy(@TempDir Path tmp) throws Exception {
        String db = TestPostgres.newDatabase();
        List<String> where = List.of("--home", tmp.resolve("home").toString(), "--db", db);
        long study = ValidateWorkersTest.search(tmp, where);
        List<String> refine = ValidateWorkersTest.with(where, "refine", "--study", String.valueOf(study),
                "--candidates", "3", "--steps", "4", "--lease", "30", "--json", "--device", "cpu");
        List<CompletableFuture<String>> workers = Stream.of(1, 2)
                .map(i -> CompletableFuture.supplyAsync(() -> ChildProcess.runHeterolora(refine))).toList();
        List<JsonNode> outs = new ArrayList<>();
        for (CompletableFuture<String> w : workers) {
            outs.add(JSON.readTree(w.get()));
        }
        int trainings = 0;
        for (JsonNode e : outs.get(0).get("entries")) {
            trainings += e.get("losses").size();
        }
        assertThat(outs.get(0).get("trained_here").asInt() + outs.get(1).get("trained_here").asInt())
                .as("every (rung, plan) trained once, by one of them").isEqualTo(trainings);
        assertThat(outs.get(1).get("run")).isEqualTo(outs.get(0).get("run"));
        assertThat(outs.get(1).get("plan")).isEqualTo(outs.get(0).get("plan"));
        CliRunner runs = CliRunner.run(ValidateWorkersTest.with(where, "sql", "--json", "SELECT status FROM run "
                + "WHERE kind = 'refine'").toArray(String[]::new));
        assertThat(runs.exitCode()).as(runs.err()).isZero();
        assertThat(JSON.readTree(runs.out())).hasSize(1)
                .allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("finished"));
    }
}
