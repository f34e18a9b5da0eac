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
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search in one process and {@code heterolora sql} in another: the child JVM opens the file database first
 * (so it owns the auto-server), this JVM connects through it and sees every committed trial at once.
 */
class SecondProcessTest {
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void readsTrialsWhileAnotherProcessIsWritingThem(@TempDir Path dir) throws Exception {
        String url = StudyStore.defaultUrl(dir);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                SecondProcessWriter.class.getName(), url)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter in = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
            long studyId = Long.parseLong(expect(out, "READY "));
            assertAutoServerOnLoopbackOnly(dir.resolve("studies.lock.db"));

            try (StudyStore reader = StudyStore.open(url)) {
                assertThat(reader.study(studyId)).get().extracting(Study::name).isEqualTo("from-child");
                assertThat(reader.trials(studyId)).extracting(Trial::seq).containsExactly(0, 1, 2);

                in.println("more");
                assertThat(expect(out, "WROTE ")).isEqualTo("4");
                assertThat(reader.trialCount(studyId)).isEqualTo(4);
                assertThat(reader.bestTrial(studyId)).get().extracting(Trial::seq).isEqualTo(3);
                assertThat(reader.console().execute("SELECT MAX(seq) FROM trial", false).rows())
                        .containsExactly(List.of(3));
                in.println("quit");
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();

                // the child's server is gone; H2 reconnects this store to the file by itself
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

    /** The port in the lock file must be bound to a loopback address (Linux: read from /proc/net/tcp*). */
    private static void assertAutoServerOnLoopbackOnly(Path lockFile) throws IOException {
        Properties lock = new Properties();
        try (var reader = Files.newBufferedReader(lockFile)) {
            lock.load(reader);
        }
        Matcher server = Pattern.compile("(.*):(\\d+)").matcher(lock.getProperty("server"));
        assertThat(server.matches()).isTrue();
        assertThat(server.group(1)).isIn("localhost", "127.0.0.1");
        Path tcp4 = Path.of("/proc/net/tcp");
        Path tcp6 = Path.of("/proc/net/tcp6");
        assumeTrue(Files.isReadable(tcp4), "needs /proc/net/tcp to see the listening address");
        String port = String.format(":%04X", Integer.parseInt(server.group(2)));
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
