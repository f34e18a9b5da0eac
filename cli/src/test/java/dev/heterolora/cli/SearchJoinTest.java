package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code search --join}: a search whose objective runs the model per plan ({@code --proxy jacov}) shares its plans
 * with a second process through the H2 server. Both processes evaluate plans, every plan exactly once, the search
 * stores its trials and finishes, and the joining worker stops when it does; joining what cannot be shared is one
 * line.
 */
class SearchJoinTest {
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSecondProcessEvaluatesPlansOfARunningSearch(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("home");
        Path rows = CliRunner.rows(tmp);
        String h = home.toString();
        try (SharedStore shared = SharedStore.h2Server(home)) {
            // an additive study cannot be joined: its plans cost microseconds in one process
            CliRunner additive = CliRunner.run("search", "--model", CliRunner.fixture("llama-tiny").toString(),
                    "--data", rows.toString(), "--home", h, "--name", "table", "--device", "cpu", "--budget", "4%",
                    "--json");
            assertThat(additive.exitCode()).as(additive.err()).isZero();
            CliRunner refused = CliRunner.run("search", "--join", "table", "--home", h, "--device", "cpu");
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.err().strip()).startsWith("heterolora: study 1 is finished").doesNotContain("\n");

            try (ChildCli search = ChildCli.start(List.of("search", "--model",
                    CliRunner.fixture("llama-tiny").toString(), "--data", rows.toString(), "--home", h, "--name",
                    "probe", "--proxy", "jacov", "--strategy", "ga", "--population", "8", "--generations", "75",
                    "--steady", "75", "--budget", "4%", "--device", "cpu", "--json", "--no-progress"))) {
                // 75 generations (~300 plans, ~15 ms each on a fast CPU) leave the joiner, which takes 2–3 s to start,
                // several seconds of the search's loop; 25 left it hardly more than its own start-up on an AVX-512 CPU
                waitForLine(search, "shared proxy pass");
                try (ChildCli helper = ChildCli.start(List.of("search", "--join", "probe", "--home", h, "--device",
                        "cpu", "--json"))) {
                    assertThat(search.waitFor(240)).as(String.join("\n", search.lines())).isZero();
                    assertThat(helper.waitFor(60)).as(String.join("\n", helper.lines())).isZero();
                    String summary = search.lines().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
                    String joined = helper.lines().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
                    assertThat(joined).startsWith("{\"study\":2,\"evaluated_here\":");

                    CliRunner units = CliRunner.run("sql", "--home", h, "--csv", "SELECT worker, COUNT(*), "
                            + "MIN(attempts), MAX(attempts), MIN(status) FROM work_unit WHERE queue = 'study:2:plans' "
                            + "GROUP BY worker ORDER BY worker");
                    assertThat(units.exitCode()).as(units.err()).isZero();
                    List<String> byWorker = units.out().strip().lines().skip(1).toList();
                    assertThat(byWorker).as("both processes evaluated plans").hasSize(2);
                    List<String> workers = new ArrayList<>();
                    for (String line : byWorker) {
                        String[] f = line.split(",");
                        workers.add(f[0]);
                        assertThat(f[2]).as("each plan once").isEqualTo("1");
                        assertThat(f[3]).isEqualTo("1");
                        assertThat(f[4]).isEqualTo("finished");
                    }
                    assertThat(workers).anyMatch(w -> w.endsWith(":" + search.pid()))
                            .anyMatch(w -> w.endsWith(":" + helper.pid()));
                    CliRunner trials = CliRunner.run("sql", "--home", h, "--csv",
                            "SELECT COUNT(*) FROM trial WHERE study_id = 2");
                    assertThat(summary).contains("\"evaluations\":" + trials.out().strip().lines().skip(1)
                            .findFirst().orElseThrow() + ",");
                    CliRunner status = CliRunner.run("sql", "--home", h, "--csv", "SELECT status FROM study "
                            + "WHERE id = 2");
                    assertThat(status.out()).contains("finished");
                }
            }
        }
    }

    private static void waitForLine(ChildCli child, String text) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            if (child.lines().stream().anyMatch(l -> l.contains(text))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no line with '" + text + "' in " + child.lines());
    }
}
