package dev.heterolora.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.results.GenerationSummary;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON API over the recorded study database: shapes, paging, sorting, 404s, 400s, escaping and safety. */
class ApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static RecordedDatabase recorded;
    static Dashboard dashboard;

    @BeforeAll
    static void start() {
        recorded = new RecordedDatabase(dir);
        dashboard = Dashboard.start("127.0.0.1", 0, recorded.database());
    }

    @AfterAll
    static void stop() {
        dashboard.close();
    }

    record Response(int status, String contentType, String csp, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    static Response get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(dashboard.url()).resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.headers().firstValue("Content-Security-Policy").orElse(""), r.body());
    }

    static JsonNode json(String path) throws IOException, InterruptedException {
        Response r = get(path);
        assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        return r.json();
    }

    static List<Long> ids(JsonNode items) {
        return StreamSupport.stream(items.spliterator(), false).map(n -> n.get("id").asLong()).toList();
    }

    @Test
    void theStudiesListHasEveryStudyWithItsTrialCountAndBestFitness() throws Exception {
        JsonNode page = json("/api/studies?sort=id&order=asc");
        assertThat(page.get("total").asInt()).isEqualTo(3);
        assertThat(ids(page.get("items"))).containsExactly(RecordedDatabase.STUDY, recorded.baselineStudy,
                recorded.hostileStudy);
        JsonNode study = page.get("items").get(0);
        assertThat(study.get("name").asText()).isEqualTo("recorded-ga");
        assertThat(study.get("trials").asInt()).isEqualTo(112);
        assertThat(study.get("status").asText()).isEqualTo("finished");
        assertThat(study.get("best_trial_id").asLong()).isEqualTo(recorded.bestTrial);
        assertThat(study.get("best_fitness").asDouble()).isEqualTo(0.004446967481797515);
        assertThat(study.get("updated_at").asText()).endsWith("Z");
        assertThat(page.get("items").get(2).get("best_fitness").isNull()).as("no trials, no best").isTrue();
    }

    @Test
    void listsArePagedSortedAndFilteredWithinBounds() throws Exception {
        JsonNode page = json("/api/studies?sort=trials&order=desc&offset=0&limit=1");
        assertThat(page.get("total").asInt()).isEqualTo(3);
        assertThat(page.get("limit").asInt()).isEqualTo(1);
        assertThat(ids(page.get("items"))).containsExactly(RecordedDatabase.STUDY);
        assertThat(ids(json("/api/studies?sort=id&order=asc&offset=2&limit=5").get("items")))
                .containsExactly(recorded.hostileStudy);
        assertThat(ids(json("/api/studies?q=UNIFORM").get("items"))).containsExactly(recorded.baselineStudy);
        assertThat(json("/api/studies?q=%25").get("total").asInt()).as("LIKE wildcards are literal").isZero();
        assertThat(json("/api/studies?q=%3Cscript").get("total").asInt()).isEqualTo(1);
        assertThat(json("/api/studies?status=running").get("total").asInt()).isEqualTo(1);
        for (String bad : List.of("limit=501", "limit=0", "offset=-1", "limit=ten", "sort=drop%20table",
                "order=sideways")) {
            Response r = get("/api/studies?" + bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("error").asText()).as(bad).isNotBlank().doesNotContain("\n");
        }
        JsonNode trials = json("/api/studies/1/trials?feasible=false&sort=seq&order=asc&offset=100&limit=50");
        assertThat(trials.get("total").asInt()).isEqualTo(112);
        assertThat(trials.get("items")).hasSize(12);
        assertThat(trials.get("items").get(0).get("seq").asInt()).isEqualTo(100);
    }

    @Test
    void aStudyHasItsConfigurationAsJson() throws Exception {
        JsonNode s = json("/api/studies/1");
        assertThat(s.get("summary").get("trials").asInt()).isEqualTo(112);
        assertThat(s.get("seed").asLong()).isEqualTo(11);
        assertThat(s.get("config").get("strategy").asText()).isEqualTo("ga");
        assertThat(s.get("search_space").get("sites")).hasSize(21);
        assertThat(s.get("space_sites").asInt()).isEqualTo(21);
        assertThat(s.get("space_max_rank").asInt()).isEqualTo(64);
    }

    @Test
    void theHistoryIsTheStaticReportsPerGenerationSummaryComputedInSql() throws Exception {
        List<GenerationSummary> expected = recorded.history;
        JsonNode history = json("/api/studies/1/history");
        assertThat(history).hasSize(expected.size()).hasSize(9);
        for (int i = 0; i < expected.size(); i++) {
            GenerationSummary g = expected.get(i);
            JsonNode h = history.get(i);
            assertThat(h.get("generation").asInt()).isEqualTo(g.generation());
            assertThat(h.get("trials").asInt()).isEqualTo(g.trials());
            assertThat(h.get("feasible").asInt()).isEqualTo(g.feasible());
            assertThat(h.get("best").asDouble()).isEqualTo(g.best());
            assertThat(h.get("median").asDouble()).isCloseTo(g.median(), org.assertj.core.data.Offset.offset(1e-15));
            assertThat(h.get("best_so_far").asDouble()).isEqualTo(g.bestSoFar());
        }
    }

    @Test
    void theTopTrialsAreTheStoresLeaderboardWithProxyScoresAndPlans() throws Exception {
        JsonNode page = json("/api/studies/1/trials?feasible=true&limit=10");
        assertThat(ids(page.get("items"))).isEqualTo(recorded.topTen);
        JsonNode best = page.get("items").get(0);
        assertThat(best.get("proxy_scores").size()).isEqualTo(5);
        assertThat(best.get("proxy_scores").get("snip").asDouble()).isEqualTo(best.get("fitness").asDouble());
        assertThat(best.get("plan").get("sites").get("0.q").get("rank").asInt()).isEqualTo(1);
        assertThat(ids(json("/api/studies/1/trials?sort=params&order=asc&limit=1").get("items")))
                .as("smallest plan first").hasSize(1);
    }

    @Test
    void theParetoFrontIsNonDominatedAndTheCloudIsEveryFeasibleTrial() throws Exception {
        JsonNode p = json("/api/studies/1/pareto");
        assertThat(p.get("source").asText()).isEqualTo("computed");
        assertThat(p.get("cloud")).hasSize(p.get("feasible").asInt());
        List<JsonNode> front = new ArrayList<>();
        p.get("front").forEach(front::add);
        assertThat(front).isNotEmpty();
        assertThat(front.get(front.size() - 1).get("id").asLong()).isEqualTo(recorded.bestTrial);
        for (JsonNode f : front) {
            for (JsonNode t : p.get("cloud")) {
                boolean dominates = t.get("params").asLong() <= f.get("params").asLong()
                        && t.get("fitness").asDouble() > f.get("fitness").asDouble();
                assertThat(dominates).as("trial %s dominates front trial %s", t.get("id"), f.get("id")).isFalse();
            }
        }
    }

    @Test
    void theBestPlansComeWithTheBaselineAtTheSameBudgetAndSiteParameters() throws Exception {
        JsonNode grid = json("/api/studies/1/plans");
        assertThat(grid.get("layers").asInt()).isEqualTo(2);
        assertThat(grid.get("kinds").get(0).asText()).isEqualTo("q");
        assertThat(grid.get("best")).hasSize(3);
        assertThat(grid.get("best").get(0).get("trial_id").asLong()).isEqualTo(recorded.bestTrial);
        JsonNode compared = grid.get("compared");
        assertThat(compared).hasSize(2);
        // the search's own baselines first (random's mean has no single plan), then other studies at the budget
        assertThat(compared.get(0).get("label").asText()).isEqualTo("baseline peft-default");
        assertThat(compared.get(0).get("cells")).hasSize(4);
        assertThat(compared.get(1).get("strategy").asText()).isEqualTo("uniform");
        assertThat(compared.get(1).get("study_id").asLong()).isEqualTo(recorded.baselineStudy);
        long sum = 0;
        for (JsonNode cell : grid.get("best").get(0).get("cells")) {
            if (cell.get("kind").asText().equals("q")) {
                assertThat(cell.get("params").asLong()).as("rank × (in + out), hidden 64")
                        .isEqualTo(cell.get("rank").asLong() * 128);
            }
            sum += cell.get("params").asLong();
        }
        assertThat(sum).as("the cells add up to the trial's parameters").isEqualTo(grid.get("best").get(0)
                .get("params").asLong());
    }

    @Test
    void validationRunsComeWithTheirPlansAndCorrelations() throws Exception {
        JsonNode v = json("/api/studies/1/validations");
        assertThat(v).hasSize(1);
        assertThat(v.get(0).get("run_id").asLong()).isEqualTo(recorded.validationRun);
        assertThat(v.get(0).get("plans")).hasSize(7);
        assertThat(v.get(0).get("correlations")).hasSize(2);
        assertThat(v.get(0).get("correlations").get(0).get("spearman_low").asDouble()).isEqualTo(0.1);
    }

    @Test
    void runsAreListedAndARunHasItsPlanCheckpointAndMetricSeries() throws Exception {
        assertThat(json("/api/runs").get("total").asInt()).isEqualTo(5);
        assertThat(ids(json("/api/runs?kind=experiment-*").get("items")))
                .containsExactly(recorded.allocationExperiment, recorded.rlhfExperiment);
        assertThat(ids(json("/api/studies/1/runs").get("items"))).containsExactlyInAnyOrder(recorded.validationRun,
                recorded.ppoRun, recorded.baselinesRun);
        JsonNode run = json("/api/runs/" + recorded.ppoRun);
        assertThat(run.get("summary").get("last_step").asInt()).isEqualTo(RecordedDatabase.PPO_STEPS - 1);
        assertThat(run.get("config").get("regulariser").asText()).isEqualTo("kl");
        assertThat(run.get("plan").get("best").get(0).get("trial_id").asLong()).isEqualTo(recorded.bestTrial);
        assertThat(run.get("outputs").get(0).get("name").asText()).isEqualTo("checkpoint");
        assertThat(run.get("outputs").get(0).get("step").asInt()).isEqualTo(29);

        JsonNode metrics = json("/api/runs/" + recorded.ppoRun + "/metrics");
        assertThat(metrics.get("steps")).hasSize(RecordedDatabase.PPO_STEPS);
        assertThat(metrics.get("more").asBoolean()).isFalse();
        assertThat(metrics.get("values").get("reward_mean")).hasSize(RecordedDatabase.PPO_STEPS);
        JsonNode winRate = metrics.get("values").get("win_rate");
        assertThat(winRate.get(9).asDouble()).isEqualTo(0.59);
        assertThat(winRate.get(0).isNull()).as("no evaluation at step 0").isTrue();
        JsonNode later = json("/api/runs/" + recorded.ppoRun + "/metrics?after=20");
        assertThat(later.get("steps").get(0).asInt()).isEqualTo(21);
        assertThat(later.get("steps")).hasSize(9);
    }

    @Test
    void experimentTablesAreGenericWithTheirConfidenceIntervals() throws Exception {
        JsonNode page = json("/api/experiments");
        assertThat(page.get("total").asInt()).isEqualTo(2);
        JsonNode allocation = page.get("items").get(0);
        assertThat(allocation.get("run").get("kind").asText()).isEqualTo("experiment-allocation");
        assertThat(allocation.get("settings").get("reference").asText()).isEqualTo("peft-default");
        assertThat(allocation.get("settings").get("budgets").get(0).asText()).isEqualTo("1%");
        assertThat(allocation.get("columns")).extracting(JsonNode::asText).containsExactly("budget", "method", "params",
                "loss", "accuracy", "accuracy_by_kind.facts", "loss_vs_reference");
        JsonNode searched = allocation.get("rows").get(1);
        assertThat(searched.get("method").get("value").asText()).isEqualTo("ga-snip");
        assertThat(searched.get("method").get("low").isNull()).isTrue();
        assertThat(searched.get("loss").get("value").asDouble()).isEqualTo(1.47);
        assertThat(searched.get("loss").get("low").asDouble()).isEqualTo(1.45);
        assertThat(searched.get("loss").get("high").asDouble()).isEqualTo(1.5);
        assertThat(searched.get("accuracy_by_kind.facts").get("high").asDouble()).isEqualTo(0.62);
        JsonNode rlhf = page.get("items").get(1);
        assertThat(rlhf.get("columns")).extracting(JsonNode::asText).contains("variant", "win_rate", "runs");
        assertThat(rlhf.get("rows").get(1).get("variant").get("value").asText()).isEqualTo("LoRA r8 / kl");
        assertThat(rlhf.get("rows").get(1).get("runs").get("value")).hasSize(2);
    }

    @Test
    void intervalsStoredAsSiblingFieldsFoldIntoTheirColumn() throws IOException {
        Experiments.Experiment e = Experiments.table(null, JSON.readTree("""
                [{"method":"a","loss":1.5,"loss_ci_low":1.4,"loss_ci_high":1.6,"acc":0.4,"acc_ci":[0.3,0.5],
                  "win":0.7,"win_lo":0.6,"win_hi":0.8,"note":{"x":{"y":1}}}]"""));
        assertThat(e.columns()).containsExactly("method", "loss", "acc", "win", "note.x");
        Map<String, Experiments.Cell> row = e.rows().get(0);
        assertThat(row.get("loss").low()).isEqualTo(1.4);
        assertThat(row.get("acc").high()).isEqualTo(0.5);
        assertThat(row.get("win").low()).isEqualTo(0.6);
        assertThat(row.get("note.x").value().asText()).isEqualTo("{\"y\":1}");
    }

    @Test
    void theWorkQueueIsCountedPerQueueAndStatus() throws Exception {
        JsonNode q = json("/api/queue?status=running");
        assertThat(q.get("total").asInt()).isEqualTo(recorded.units);
        if (recorded.units > 0) {
            assertThat(q.get("queues").get("validate-1").get("finished").asInt()).isEqualTo(1);
            assertThat(q.get("queues").get("allocation").get("failed").asInt()).isEqualTo(1);
            assertThat(q.get("units").get("items")).hasSize(1);
            assertThat(q.get("units").get("items").get(0).get("worker").asText()).isEqualTo("host-b");
        }
    }

    @Test
    void unknownIdsAre404AndMalformedIdsAre400() throws Exception {
        for (String path : List.of("/api/studies/999", "/api/studies/999/history", "/api/studies/999/trials",
                "/api/studies/999/pareto", "/api/studies/999/plans", "/api/studies/999/validations",
                "/api/studies/999/runs", "/api/runs/999", "/api/runs/999/metrics")) {
            Response r = get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.json().get("error").asText()).as(path).contains("999");
        }
        assertThat(get("/api/studies/abc").status()).isEqualTo(400);
        assertThat(get("/api/runs/1/metrics?after=x").status()).isEqualTo(400);
        assertThat(get("/api/nothing").status()).isEqualTo(404);
    }

    @Test
    void storedTextIsDataNeverMarkup() throws Exception {
        JsonNode hostile = json("/api/studies/" + recorded.hostileStudy);
        assertThat(hostile.get("summary").get("name").asText()).isEqualTo(RecordedDatabase.HOSTILE);
        Response page = get("/studies/" + recorded.hostileStudy);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).as("pages are shells: stored text never passes through them")
                .doesNotContain("hacked").contains("/static/study.js");
        assertThat(page.csp()).contains("script-src 'self'").doesNotContain("unsafe-eval");
        Response script = get("/webjars/echarts/5.3.1/dist/echarts.min.js");
        assertThat(script.status()).as("ECharts is served from the jar").isEqualTo(200);
        assertThat(script.body().length()).isGreaterThan(500_000);
    }

    @Test
    void aRequestForAnotherHostIsRefused() throws IOException {
        URI uri = URI.create(dashboard.url());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/studies HTTP/1.1\r\nHost: attacker.example:8080\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 403").doesNotContain("recorded-ga");
        }
        assertThat(Dashboard.loopbackHost("localhost:8080")).isTrue();
        assertThat(Dashboard.loopbackHost("[::1]:8080")).isTrue();
        assertThat(Dashboard.loopbackHost("127.0.0.1")).isTrue();
        assertThat(Dashboard.loopbackHost("127.evil.example")).isFalse();
        assertThat(Dashboard.loopbackHost("localhost.evil.example")).isFalse();
    }

    @Test
    void aTakenPortIsOneLine() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> Dashboard.start("127.0.0.1", taken.getLocalPort(), recorded.database()))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()))
                    .hasMessageContaining("--port")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void theDatabaseRefusesWritesAndIsNeverCreated(@TempDir Path empty) {
        try (ReadOnlyDatabase db = ReadOnlyDatabase.open(recorded.database())) {
            assertThatThrownBy(() -> db.list("SELECT * FROM FINAL TABLE (UPDATE study SET status = 'failed' WHERE id = ?)",
                    rs -> 0, RecordedDatabase.STUDY)).isInstanceOf(HeteroloraException.class);
            assertThat(db.study(RecordedDatabase.STUDY).orElseThrow().status()).isEqualTo(Status.FINISHED);
        }
        assertThatThrownBy(() -> ReadOnlyDatabase.open(StudyDatabase.inHome(empty)))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no study database")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(empty.resolve("studies.mv.db")).doesNotExist();
    }
}
