package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.app.Interruption;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** search → sql / study / replay / resume end to end against temporary H2 files. */
class SearchCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path rows(Path tmp) {
        return CliRunner.rows(tmp);
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
        // the search loop's own time, within the job's, and its rate
        double loop = summary.get("search_seconds").asDouble();
        assertThat(loop).isPositive().isLessThan(summary.get("seconds").asDouble());
        assertThat(summary.get("plans_per_second").asDouble())
                .isCloseTo(summary.get("evaluations").asInt() / loop, Offset.offset(1e-6));
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

    /**
     * SIGTERM to a child {@code search} while its GA runs and its trials are being committed in batches: every trial
     * the progress line had counted before the signal is in the study, numbered from 0 without a gap, each with
     * its proxy scores.
     */
    @Test
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sigtermKeepsEveryTrialTheProgressLineCounted(@TempDir Path tmp) throws Exception {
        Process search = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "search", "--model",
                CliRunner.fixture("llama-tiny").toString(), "--data", rows(tmp).toString(), "--db", db(tmp),
                "--device", "cpu", "--budget", "4%", "--strategy", "ga", "--generations", "1000000", "--steady",
                "1000000", "--name", "signalled").redirectErrorStream(true).start();
        Pattern counted = Pattern.compile("best \\S+, (\\d+) trials");
        long reported = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(search.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Matcher m = counted.matcher(line);
                if (reported == 0 && m.find() && Long.parseLong(m.group(1)) > 0) {
                    reported = Long.parseLong(m.group(1));
                    search.toHandle().destroy(); // SIGTERM, after the bar's plain line (every 10 s off a terminal)
                }
            }
        } finally {
            search.destroyForcibly();
        }
        assertThat(search.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(search.exitValue()).isEqualTo(Interruption.EXIT_CODE);
        JsonNode stored = sql(tmp, "SELECT COUNT(*) AS N, MIN(SEQ) AS LOW, MAX(SEQ) AS HIGH, MIN(S.K) AS SCORED, "
                + "MAX(ST.STATUS) AS STATUS FROM TRIAL T JOIN STUDY ST ON ST.ID = T.STUDY_ID JOIN (SELECT TRIAL_ID, "
                + "COUNT(*) AS K FROM PROXY_SCORE GROUP BY TRIAL_ID) S ON S.TRIAL_ID = T.ID WHERE ST.NAME = 'signalled'")
                .get(0);
        assertThat(reported).isPositive();
        assertThat(stored.get("n").asLong()).isGreaterThanOrEqualTo(reported);
        assertThat(stored.get("low").asLong()).isZero();
        assertThat(stored.get("high").asLong()).isEqualTo(stored.get("n").asLong() - 1);
        assertThat(stored.get("scored").asInt()).isPositive();
        assertThat(stored.get("status").asText()).isEqualTo("interrupted");
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
