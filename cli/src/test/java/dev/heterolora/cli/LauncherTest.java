package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./heterolora} launcher itself, run by bash on a copy of the repository's launcher whose jar is a
 * {@link LauncherProbe}: with a JDK 25+ it records an AOT cache from the first search-like command that succeeds
 * after running a second or more, and uses it from then on; a failed or short command, help, or another command
 * records nothing; the recording run keeps standard input, exits with the command's status and passes SIGTERM on.
 * On an older JDK only the exit statuses are checked (there is no cache).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LauncherTest {
    @TempDir
    Path root;

    private Path target;
    private boolean aot;

    @BeforeEach
    void copyTheLauncherWithAProbeForItsJar() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Files.copy(repo.resolve("heterolora"), root.resolve("heterolora"));
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(repo.resolve("scripts/find-jdk.sh"), root.resolve("scripts/find-jdk.sh"));
        target = Files.createDirectories(root.resolve("cli/target"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(target.resolve("heterolora-cli.jar"));
             JarOutputStream jar = new JarOutputStream(file, manifest)) {
            jar.putNextEntry(new JarEntry(entry));
            try (var in = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
                in.transferTo(jar);
            }
            jar.closeEntry();
        }
        aot = launch("version-check", List.of("--exit", "0")).out().contains("-Dai.djl.offline=true")
                && javaMajor() >= 25;
    }

    /** The major version of the JDK the launcher picks (the same script the launcher sources). */
    private int javaMajor() throws Exception {
        Process p = new ProcessBuilder("bash", "-c", ". scripts/find-jdk.sh && java_major \"$JAVA_HOME/bin/java\"")
                .directory(root.toFile()).start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return Integer.parseInt(v);
    }

    private record Ran(int exit, String out) {}

    private Ran launch(String command, List<String> args) throws Exception {
        return launch(command, args, null);
    }

    private Ran launch(String command, List<String> args, String stdin) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("heterolora").toString(), command));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("HETEROLORA_AOT");
        pb.environment().remove("HETEROLORA_JAVA_OPTS");
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write((stdin + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Ran(p.exitValue(), out);
    }

    private List<Path> caches() throws IOException {
        try (var files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".aot")).toList();
        }
    }

    @Test
    void theFirstLongEnoughSearchRecordsTheCacheAndLaterCommandsUseIt() throws Exception {
        Ran help = launch("search", List.of("--help", "--sleep-ms", "1200"));
        Ran study = launch("study", List.of("--sleep-ms", "1200"));
        assertThat(List.of(help.exit(), study.exit())).containsOnly(0);
        assertThat(caches()).as("help and another command record nothing").isEmpty();
        long start = System.nanoTime();
        Ran quick = launch("search", List.of("--sleep-ms", "0"));
        assertThat(quick.exit()).isZero();
        if ((System.nanoTime() - start) / 1e9 < 0.9) { // on a loaded machine the JVM alone may take a second
            assertThat(caches()).as("a run under a second records nothing").isEmpty();
        }
        for (Path c : caches()) {
            Files.delete(c);
        }
        Ran failed = launch("search", List.of("--sleep-ms", "1200", "--exit", "3"));
        assertThat(failed.exit()).as(failed.out()).isEqualTo(3);
        assertThat(caches()).as("a failed run records nothing").isEmpty();
        if (!aot) {
            return;
        }
        assertThat(failed.out()).contains("-XX:AOTMode=record");

        Ran first = launch("search", List.of("--sleep-ms", "1200", "--stdin"), "typed");
        assertThat(first.exit()).as(first.out()).isZero();
        assertThat(first.out()).contains("-XX:AOTMode=record", "stdin typed", "writing the JVM's startup cache")
                .doesNotContain("AOTConfiguration recorded");
        assertThat(caches()).singleElement().satisfies(c -> assertThat(Files.size(c)).isPositive());
        assertThat(target).isDirectoryNotContaining("glob:**.conf");

        Ran later = launch("study", List.of("--exit", "4"));
        assertThat(later.exit()).isEqualTo(4);
        assertThat(later.out()).containsPattern("-XX:AOTCache=\\S*/cli/target/" + caches().get(0).getFileName())
                .doesNotContain("AOTMode=record");
    }

    @Test
    void theRecordingRunPassesSigtermOnAndExitsWithTheCommandsStatus() throws Exception {
        if (!aot) {
            return;
        }
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("heterolora").toString(), "search", "--sleep-ms",
                "60000").redirectErrorStream(true);
        pb.environment().remove("HETEROLORA_AOT");
        Process launcher = pb.start();
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(launcher.getInputStream(),
                StandardCharsets.UTF_8));
        String first = lines.readLine();
        assertThat(first).contains("-XX:AOTMode=record");
        ProcessHandle probe = launcher.toHandle().children().findFirst().orElseThrow();
        launcher.toHandle().destroy(); // SIGTERM to the launcher's bash alone
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).isEqualTo(143);
        assertThat(lines.readLine()).isEqualTo("shutting down");
        assertThat(probe.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(caches()).isEmpty();
    }
}
