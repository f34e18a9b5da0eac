package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker processes sharing one queue through an H2 TCP server, one of them killed with -9 while it holds a unit:
 * every unit is done exactly once, the dead worker's unit after its lease expired.
 */
class WorkQueueProcessTest {
    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unitsAreDoneOnceWhenAWorkerIsKilledMidUnit(@TempDir Path dir) throws Exception {
        Server server = Server.createTcpServer("-tcpPort", "0", "-baseDir", dir.toString(), "-ifNotExists").start();
        List<Process> children = new ArrayList<>();
        try {
            String url = "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/queue;USER=owner;PASSWORD=pw";
            int count = 24;
            try (StudyStore store = StudyStore.open(url)) {
                store.workQueue().enqueue("cells", IntStream.range(0, count)
                        .mapToObj(i -> new NewUnit("cell " + i, "{}")).toList());
            }
            Process doomed = worker(url, "doomed", 60_000);
            children.add(doomed);
            String held;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(doomed.getInputStream(),
                    StandardCharsets.UTF_8))) {
                held = expect(out, "CLAIMED ");
                children.add(worker(url, "w1", 100));
                children.add(worker(url, "w2", 100));
                doomed.destroyForcibly().waitFor();
            }
            int done = 0;
            for (Process p : children.subList(1, 3)) {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    done += Integer.parseInt(expect(out, "DONE "));
                }
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            }
            assertThat(done).isEqualTo(count);
            try (StudyStore store = StudyStore.open(url)) {
                List<Unit> units = store.workQueue().units("cells");
                assertThat(units).hasSize(count).allSatisfy(u -> {
                    assertThat(u.status()).isEqualTo(Status.FINISHED);
                    assertThat(u.resultJson()).isIn("{\"by\":\"w1\"}", "{\"by\":\"w2\"}");
                    assertThat(u.attempts()).isEqualTo(u.key().equals(held) ? 2 : 1);
                });
            }
        } finally {
            children.forEach(Process::destroyForcibly);
            server.stop();
        }
    }

    private static Process worker(String url, String name, long workMillis) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                QueueWorkerProcess.class.getName(), url, "cells", name, "1000", String.valueOf(workMillis))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String expect(BufferedReader out, String prefix) throws IOException {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        throw new AssertionError("worker exited before printing " + prefix);
    }
}
