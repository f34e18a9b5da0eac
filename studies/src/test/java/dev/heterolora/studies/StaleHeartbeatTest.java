package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that owns a running study and run is killed with -9: the next process that opens the store after the
 * grace period finds their heartbeats stale and marks both interrupted; before it, they stay running.
 */
class StaleHeartbeatTest {
    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void workOfAProcessKilledWithMinus9IsMarkedInterrupted(@TempDir Path dir) throws Exception {
        for (String url : new String[] {"jdbc:h2:file:" + dir.resolve("studies"), TestPostgres.newDatabase()}) {
            Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-Dheterolora.heartbeat.interval=0.2", "-cp",
                    System.getProperty("java.class.path"), StaleOwnerProcess.class.getName(), url, "owned")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            long study;
            long run;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String[] line = out.readLine().split(" ");
                assertThat(line[0]).as(url).isEqualTo("OWNING");
                study = Long.parseLong(line[1]);
                run = Long.parseLong(line[2]);
                if (url.startsWith("jdbc:postgresql:")) {
                    Thread.sleep(4000);
                    System.setProperty("heterolora.heartbeat.grace", "3");
                    try (StudyStore alive = StudyStore.open(url)) {
                        assertThat(alive.study(study).orElseThrow().status()).as("still beating").isEqualTo(Status.RUNNING);
                    } finally {
                        System.clearProperty("heterolora.heartbeat.grace");
                    }
                }
                owner.destroyForcibly();
                assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            System.setProperty("heterolora.heartbeat.grace", "3");
            try (StudyStore early = StudyStore.open(url)) {
                assertThat(early.study(study).orElseThrow().status()).as("within the grace period")
                        .isEqualTo(Status.RUNNING);
            }
            Thread.sleep(3500);
            try (StudyStore later = StudyStore.open(url)) {
                assertThat(later.study(study).orElseThrow().status()).as(url).isEqualTo(Status.INTERRUPTED);
                assertThat(later.run(run).orElseThrow().status()).as(url).isEqualTo(Status.INTERRUPTED);
            } finally {
                System.clearProperty("heterolora.heartbeat.grace");
            }
        }
    }
}
