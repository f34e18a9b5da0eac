package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.h2.tools.Server;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The concurrency proof: 8 worker processes drain one queue in one database (an H2 TCP server, or PostgreSQL); two
 * of them are killed with -9 while each holds a unit. Every unit ends finished exactly once, none is lost, the two
 * held units are taken over (second attempt) after their leases expire, and only the living workers' results stand.
 */
@Tag("slow")
class QueueConcurrencyTest {
    private static final int UNITS = 96;

    @ParameterizedTest
    @ValueSource(strings = {"h2-server", "postgresql"})
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eightWorkersTwoKilledEveryUnitOnce(String backend, @TempDir Path dir) throws Exception {
        Server server = backend.equals("h2-server")
                ? Server.createTcpServer("-tcpPort", "0", "-baseDir", dir.toString(), "-ifNotExists").start() : null;
        List<Process> children = new ArrayList<>();
        try {
            String url = server != null ? "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/queue;USER=o;PASSWORD=pw"
                    : TestPostgres.newDatabase();
            try (StudyStore store = StudyStore.open(url)) {
                store.workQueue().enqueue("cells", IntStream.range(0, UNITS)
                        .mapToObj(i -> new NewUnit("cell " + i, "{}")).toList());
            }
            Set<String> held = new HashSet<>();
            List<Process> doomed = List.of(worker(url, "doomed-1", 600_000), worker(url, "doomed-2", 600_000));
            children.addAll(doomed);
            for (Process p : doomed) {
                held.add(expect(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                        "CLAIMED "));
            }
            List<Process> living = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                living.add(worker(url, "w" + i, 50));
            }
            children.addAll(living);
            for (Process p : doomed) {
                p.destroyForcibly().waitFor();
            }
            int done = 0;
            for (Process p : living) {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    done += Integer.parseInt(expect(out, "DONE "));
                }
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            }
            assertThat(done).as("units completed by the living workers").isEqualTo(UNITS);
            assertThat(held).hasSize(2);
            try (StudyStore store = StudyStore.open(url)) {
                List<Unit> units = store.workQueue().units("cells");
                assertThat(units).hasSize(UNITS).allSatisfy(u -> {
                    assertThat(u.status()).isEqualTo(Status.FINISHED);
                    assertThat(u.resultJson()).matches("\\{\"by\":\"w[1-6]\"}");
                    assertThat(u.attempts()).as(u.key()).isEqualTo(held.contains(u.key()) ? 2 : 1);
                });
            }
        } finally {
            children.forEach(Process::destroyForcibly);
            if (server != null) {
                server.stop();
            }
        }
    }

    private static Process worker(String url, String name, long workMillis) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                QueueWorkerProcess.class.getName(), url, "cells", name, "2000", String.valueOf(workMillis))
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
