package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server start|status|stop} on a data directory, and what it is for: four {@code search} processes started
 * together on one data directory all succeed while {@code sql} reads alongside, and {@code jobs} shows the queues.
 */
class ServerCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fourSearchesShareOneDataDirectoryThroughTheServer(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("home");
        Path rows = CliRunner.rows(tmp);
        assertThat(CliRunner.run("server", "status", "--home", home.toString()).exitCode()).isEqualTo(3);
        CliRunner start = CliRunner.run("server", "start", "--home", home.toString());
        assertThat(start.exitCode()).as(start.err()).isZero();
        Matcher port = Pattern.compile("server running on 127\\.0\\.0\\.1:(\\d+) \\(pid \\d+\\)").matcher(start.out());
        assertThat(port.find()).as(start.out()).isTrue();
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("server.properties"))))
                    .isEqualTo("rw-------");
            assertThat(CliRunner.run("server", "status", "--home", home.toString()).out()).startsWith("running on");
            assertThatThrownBy(() -> DriverManager.getConnection("jdbc:h2:tcp://127.0.0.1:" + port.group(1)
                    + "/studies", "SA", "").close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("Wrong user name or password");

            ExecutorService pool = Executors.newFixedThreadPool(5);
            AtomicBoolean searching = new AtomicBoolean(true);
            AtomicInteger reads = new AtomicInteger();
            CompletableFuture<List<String>> reader = CompletableFuture.supplyAsync(() -> {
                List<String> failures = new ArrayList<>();
                while (searching.get()) {
                    CliRunner r = CliRunner.run("sql", "--home", home.toString(), "--csv", "SELECT COUNT(*) FROM trial");
                    if (r.exitCode() != 0) {
                        failures.add(r.err());
                    }
                    reads.incrementAndGet();
                }
                return failures;
            }, pool);
            List<CompletableFuture<String>> searches = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String name = "parallel-" + i;
                searches.add(CompletableFuture.supplyAsync(() -> ChildProcess.runHeterolora(List.of("search", "--model",
                        CliRunner.fixture("llama-tiny").toString(), "--data", rows.toString(), "--home",
                        home.toString(), "--name", name, "--json", "--device", "cpu", "--budget", "4%",
                        "--generations", "3", "--population", "8")), pool));
            }
            for (CompletableFuture<String> s : searches) {
                assertThat(JSON.readTree(s.get()).get("study").asLong()).isPositive();
            }
            searching.set(false);
            assertThat(reader.get()).isEmpty();
            assertThat(reads).hasPositiveValue();
            pool.shutdown();

            CliRunner studies = CliRunner.run("studies", "--home", home.toString(), "--json");
            JsonNode list = JSON.readTree(studies.out());
            assertThat(list).hasSize(4).allSatisfy(s -> assertThat(s.get("status").asText()).isEqualTo("finished"));
            CliRunner jobs = CliRunner.run("jobs", "--home", home.toString());
            assertThat(jobs.exitCode()).as(jobs.err()).isZero();
            assertThat(jobs.out()).startsWith("queue");
        } finally {
            CliRunner stop = CliRunner.run("server", "stop", "--home", home.toString());
            assertThat(stop.out()).startsWith("stopped the server on 127.0.0.1:");
        }
        assertThat(CliRunner.run("server", "status", "--home", home.toString()).out()).isEqualTo("not running\n");
        assertThat(home.resolve("server.properties")).doesNotExist();
        CliRunner afterwards = CliRunner.run("sql", "--home", home.toString(), "--csv", "SELECT COUNT(*) FROM study");
        assertThat(afterwards.out()).as(afterwards.err()).contains("4");
    }

    @Test
    void theReadOnlySqlNeverCreatesADatabase(@TempDir Path tmp) {
        CliRunner r = CliRunner.run("sql", "--home", tmp.resolve("new").toString(), "SELECT 1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("heterolora: no study database at ").doesNotContain("\n\n");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(tmp.resolve("new")).doesNotExist();
    }
}
