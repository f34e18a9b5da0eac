package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.app.Interruption;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what Ctrl-C and {@code kill} send) to a {@code heterolora search} in a child process while its GA runs:
 * it marks its study interrupted, prints one line and no stack trace, and keeps the trials it evaluated.
 */
class SearchInterruptTest {
    @Test
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sigtermMarksTheStudyInterruptedInOneLine(@TempDir Path home) throws Exception {
        Process search = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "search", "--home", home.toString(), "--model", CliRunner.fixture("llama-tiny").toString(),
                "--data", CliRunner.rows(home.resolve("data")).toString(),
                "--strategy", "ga", "--generations", "1000000", "--steady", "1000000", "--no-progress",
                "--name", "to be interrupted").redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(search.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
                if (line.startsWith("shared proxy pass")) {
                    Thread.sleep(3000);
                    search.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
                }
            }
        } finally {
            search.destroyForcibly();
        }
        assertThat(search.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(lines).anyMatch(l -> l.startsWith("shared proxy pass"));
        try (StudyStore store = StudyDatabase.inHome(home).open()) {
            Study study = store.studyNamed("to be interrupted").orElseThrow();
            assertThat(lines.get(lines.size() - 1)).isEqualTo("heterolora: interrupted; study " + study.id()
                    + " marked interrupted (resume: heterolora search --resume " + study.id() + ")");
            assertThat(String.join("\n", lines)).doesNotContain("Exception", "internal error", "\tat ");
            assertThat(search.exitValue()).isEqualTo(Interruption.EXIT_CODE);
            assertThat(study.status()).isEqualTo(Status.INTERRUPTED);
            assertThat(store.trialCount(study.id())).isPositive();
        }
    }
}
