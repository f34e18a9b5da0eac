package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** search → sql / study / replay / resume end to end against temporary H2 files. */
class SearchCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path rows(Path tmp) throws IOException {
        Path f = tmp.resolve("rows.jsonl");
        try (InputStream in = SearchCommandsTest.class.getResourceAsStream("/studies/llama_rows.jsonl")) {
            Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    private static String db(Path tmp) {
        return "jdbc:h2:" + tmp.resolve("studies").toAbsolutePath();
    }

    private static CliRunner search(Path tmp, String... extra) throws IOException {
        String[] base = {"search", "--model", CliRunner.fixture("llama-tiny").toString(), "--data",
            rows(tmp).toString(), "--db", db(tmp), "--json", "--device", "cpu"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRunner.run(args);
    }

    private static JsonNode sql(Path tmp, String query) throws IOException {
        CliRunner r = CliRunner.run("sql", "--db", db(tmp), "--json", query);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "ga", "nsga2", "random", "uniform", "topk", "knapsack", "peft-default", "all-linear"})
    void everyStrategyStaysWithinBudgetAndReplays(String strategy, @TempDir Path tmp) throws IOException {
        CliRunner r = search(tmp, "--strategy", strategy, "--budget", "4%", "--generations", "6", "--population",
                "16", "--samples", "40", "--topk-rank", "4");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode summary = JSON.readTree(r.out());
        long study = summary.get("study").asLong();
        long limit = summary.get("budget_limit").asLong();
        assertThat(limit).isEqualTo((long) Math.floor(0.04 * 106944));
        assertThat(summary.get("best").get("params").asLong()).isLessThanOrEqualTo(limit).isPositive();
        JsonNode counts = sql(tmp, "SELECT COUNT(*) AS N, MAX(PARAMS) AS MAXP, MIN(CASE WHEN FEASIBLE THEN 1 ELSE 0 "
                + "END) AS ALLFEASIBLE FROM TRIAL WHERE STUDY_ID = " + study);
        assertThat(counts.get(0).get("n").asInt()).isEqualTo(summary.get("evaluations").asInt());
        assertThat(counts.get(0).get("maxp").asLong()).isLessThanOrEqualTo(limit);
        assertThat(counts.get(0).get("allfeasible").asInt()).isEqualTo(1);
        CliRunner replay = CliRunner.run("replay", String.valueOf(study), "--db", db(tmp), "--device", "cpu");
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).contains("replay identical");
        if (strategy.equals("nsga2")) {
            assertThat(sql(tmp, "SELECT COUNT(*) AS N FROM TRIAL WHERE PARETO").get(0).get("n").asInt()).isPositive();
        }
    }

    @Test
    void studyAndStudiesReadTheSearchBack(@TempDir Path tmp) throws IOException {
        CliRunner r = search(tmp, "--generations", "3", "--population", "10", "--vote", "gradnorm,snip,fisher",
                "--name", "voted", "--budget", "4%");
        assertThat(r.exitCode()).as(r.err()).isZero();
        long study = JSON.readTree(r.out()).get("study").asLong();
        CliRunner list = CliRunner.run("studies", "--db", db(tmp), "--json");
        assertThat(JSON.readTree(list.out()).get(0).get("name").asText()).isEqualTo("voted");
        CliRunner show = CliRunner.run("study", String.valueOf(study), "--db", db(tmp), "--json");
        JsonNode s = JSON.readTree(show.out());
        assertThat(s.get("status").asText()).isEqualTo("finished");
        assertThat(s.get("best").get("proxies").has("vote")).isTrue();
        assertThat(s.get("top").size()).isEqualTo(10);
        CliRunner text = CliRunner.run("study", "--db", db(tmp));
        assertThat(text.out()).contains("best plan", "layer", "voted");
    }

    @Test
    void reportAndExportReadAStudy(@TempDir Path tmp) throws IOException {
        long study = JSON.readTree(search(tmp, "--strategy", "ga", "--generations", "3", "--population", "10",
                "--budget", "4%").out())
                .get("study").asLong();
        CliRunner report = CliRunner.run("report", String.valueOf(study), "--db", db(tmp), "--out",
                tmp.resolve("report").toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(Files.readString(tmp.resolve("report/index.html"))).contains("history.png", "allocation-1.png");
        assertThat(Files.size(tmp.resolve("report/history.png"))).isPositive();
        CliRunner csv = CliRunner.run("export", String.valueOf(study), "--db", db(tmp), "--out",
                tmp.resolve("csv").toString());
        assertThat(csv.exitCode()).as(csv.err()).isZero();
        long rows = Files.readAllLines(tmp.resolve("csv/study-" + study + "/trials.csv")).size() - 1;
        assertThat(rows).isEqualTo(sql(tmp, "SELECT COUNT(*) AS N FROM TRIAL").get(0).get("n").asLong());
        CliRunner bad = CliRunner.run("export", String.valueOf(study), "--db", db(tmp), "--format", "xml");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(CliRunner.run("report", "999", "--db", db(tmp)).exitCode()).isEqualTo(2);
    }

    @Test
    void aTamperedStudyFailsReplayWithTheFirstDifference(@TempDir Path tmp) throws IOException {
        long study = JSON.readTree(search(tmp, "--strategy", "ga", "--generations", "3", "--population", "10",
                "--budget", "4%").out())
                .get("study").asLong();
        CliRunner w = CliRunner.run("sql", "--db", db(tmp), "--write", "UPDATE TRIAL SET PLAN_JSON = "
                + "'{\"sites\":{\"0.q\":{\"rank\":1,\"alpha\":2.0}}}' WHERE SEQ = 5 AND STUDY_ID = " + study);
        assertThat(w.exitCode()).as(w.err()).isZero();
        CliRunner replay = CliRunner.run("replay", String.valueOf(study), "--db", db(tmp));
        assertThat(replay.exitCode()).isEqualTo(1);
        assertThat(replay.out()).contains("#5");
    }

    @Test
    void resumeFinishesAnInterruptedStudyExactlyAsAnUninterruptedRun(@TempDir Path tmp) throws IOException {
        JsonNode full = JSON.readTree(search(tmp, "--generations", "5", "--population", "12", "--seed", "3", "--budget", "4%").out());
        long whole = full.get("study").asLong();
        JsonNode cut = JSON.readTree(search(tmp, "--generations", "5", "--population", "12", "--seed", "3", "--budget", "4%").out());
        long interrupted = cut.get("study").asLong();
        // simulate a crash: the last trials never made it, the study was left running
        CliRunner w = CliRunner.run("sql", "--db", db(tmp), "--write", "DELETE FROM PROXY_SCORE WHERE TRIAL_ID IN "
                + "(SELECT ID FROM TRIAL WHERE STUDY_ID = " + interrupted + " AND SEQ >= 20)");
        assertThat(w.exitCode()).as(w.err()).isZero();
        CliRunner.run("sql", "--db", db(tmp), "--write", "DELETE FROM TRIAL WHERE STUDY_ID = " + interrupted
                + " AND SEQ >= 20");
        CliRunner.run("sql", "--db", db(tmp), "--write", "UPDATE STUDY SET STATUS = 'interrupted', BEST_TRIAL_ID = "
                + "NULL WHERE ID = " + interrupted);
        CliRunner resumed = CliRunner.run("search", "--resume", String.valueOf(interrupted), "--db", db(tmp), "--json");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        String q = "SELECT SEQ, PLAN_JSON, FITNESS FROM TRIAL WHERE STUDY_ID = %d ORDER BY SEQ";
        assertThat(sql(tmp, q.formatted(interrupted))).isEqualTo(sql(tmp, q.formatted(whole)));
        assertThat(JSON.readTree(resumed.out()).get("best")).isEqualTo(full.get("best"));
    }

    @Test
    void aStudyOfAnOlderSearchVersionIsRefusedInOneLine(@TempDir Path tmp) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/studies/recorded.mv.db")) {
            Files.copy(in, tmp.resolve("recorded.mv.db"));
        }
        String url = "jdbc:h2:" + tmp.resolve("recorded").toAbsolutePath();
        CliRunner replay = CliRunner.run("replay", "1", "--db", url);
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isEqualTo(2);
        assertThat(replay.err()).isEqualTo("heterolora: study 1 was made by search version 1; this heterolora "
                + "searches with version 2 and cannot replay it bit for bit\n");
    }

    @Test
    void badInputIsOneLineAndStoresNothing(@TempDir Path tmp) throws IOException {
        for (String bad : new String[] {"abc", "150%", "0.2%%", "-1", ""}) {
            CliRunner r = search(tmp, "--budget", bad);
            assertThat(r.exitCode()).as(bad).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        }
        assertThat(search(tmp, "--strategy", "annealing").err()).contains("annealing");
        assertThat(search(tmp, "--proxy", "magic").err()).contains("magic");
        assertThat(search(tmp, "--budget", "1").err()).contains("budget");
        assertThat(sql(tmp, "SELECT COUNT(*) AS N FROM STUDY").get(0).get("n").asInt()).isZero();
        CliRunner badSql = CliRunner.run("sql", "--db", db(tmp), "SELEC nonsense");
        assertThat(badSql.exitCode()).isEqualTo(2);
        assertThat(badSql.err().strip().lines().count()).isEqualTo(1);
    }
}
