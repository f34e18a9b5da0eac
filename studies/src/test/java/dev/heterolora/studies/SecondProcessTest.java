package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search in one process and {@code heterolora sql} in another, through the data directory's H2 server: without
 * it the second process could not open the file; with it, both find the server by themselves, and this JVM sees every
 * trial the child commits at once.
 */
class SecondProcessTest {
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void readsTrialsWhileAnotherProcessIsWritingThem(@TempDir Path dir) throws Exception {
        H2Server server = H2Server.start(dir, 0);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                SecondProcessWriter.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (server;
             BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter in = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
            long studyId = Long.parseLong(expect(out, "READY "));
            assertListensOnLoopbackOnly(server.port());
            assertThat(StudyDatabase.inHome(dir).url()).isEqualTo("jdbc:h2:tcp://127.0.0.1:" + server.port() + "/studies");

            try (StudyStore reader = StudyDatabase.inHome(dir).open()) {
                assertThat(reader.study(studyId)).get().extracting(Study::name).isEqualTo("from-child");
                assertThat(reader.trials(studyId)).extracting(Trial::seq).containsExactly(0, 1, 2);

                in.println("more");
                assertThat(expect(out, "WROTE ")).isEqualTo("4");
                assertThat(reader.trialCount(studyId)).isEqualTo(4);
                assertThat(reader.bestTrial(studyId)).get().extracting(Trial::seq).isEqualTo(3);
                assertThat(reader.console().execute("SELECT MAX(seq) FROM trial", false).rows())
                        .containsExactly(List.of(3));
                assertThat(StudyDatabase.inHome(dir).openReadOnly().execute("SELECT COUNT(*) FROM trial", false)
                        .rows()).containsExactly(List.of(4L));
                in.println("quit");
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();
                assertThat(reader.trialCount(studyId)).isEqualTo(4);
            }
        } finally {
            child.destroyForcibly();
        }
    }

    private static String expect(BufferedReader out, String prefix) throws IOException {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        throw new AssertionError("child exited before printing " + prefix);
    }

    /** The server's port must be bound to a loopback address only (Linux: read from /proc/net/tcp*). */
    static void assertListensOnLoopbackOnly(int serverPort) throws IOException {
        Path tcp4 = Path.of("/proc/net/tcp");
        Path tcp6 = Path.of("/proc/net/tcp6");
        assumeTrue(Files.isReadable(tcp4), "needs /proc/net/tcp to see the listening address");
        String port = String.format(":%04X", serverPort);
        List<String> listening = Files.readAllLines(tcp4);
        if (Files.isReadable(tcp6)) {
            listening.addAll(Files.readAllLines(tcp6));
        }
        List<String> local = listening.stream().map(String::trim).map(l -> l.split("\\s+"))
                .filter(f -> f.length > 3 && f[1].endsWith(port) && f[3].equals("0A"))
                .map(f -> f[1].substring(0, f[1].length() - port.length())).toList();
        assertThat(local).isNotEmpty().allMatch(a -> a.equals("0100007F")
                || a.equals("0000000000000000FFFF00000100007F") || a.equals("00000000000000000000000001000000"));
    }
}
