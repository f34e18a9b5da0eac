package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs another {@code heterolora} command in a fresh JVM with this one's Java, JVM flags and class path: how an
 * experiment gives every run its own process, so memory is measured per run and a native crash costs one run.
 */
final class ChildProcess {
    /** The children running now, for {@link #stopRunning()}. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    private ChildProcess() {}

    /**
     * This JVM's arguments, for a child JVM of heterolora's: all but those of the launcher's AOT-cache recording
     * ({@code -XX:AOTMode}, {@code -XX:AOTConfiguration}, {@code -XX:AOTCacheOutput}, which would have the child
     * write the same recording file as this process, and the {@code -XX:-DisplayVMOutput} that keeps the
     * recording quiet); a cache being used ({@code -XX:AOTCache}) is passed on.
     */
    static List<String> jvmArguments() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-XX:AOTMode") && !a.startsWith("-XX:AOTConfiguration")
                        && !a.startsWith("-XX:AOTCacheOutput") && !a.equals("-XX:-DisplayVMOutput"))
                .toList();
    }

    /**
     * Runs {@code heterolora args…} and returns what it printed on stdout; its stderr (progress, warnings, its
     * one-line error) goes to this process's stderr.
     *
     * @throws HeteroloraException if it exits non-zero or cannot be started
     */
    static String runHeterolora(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            String djlCache = System.getProperty(DataDirectory.DJL_CACHE_DIR);
            if (djlCache != null) { // the child unpacks nothing again: it uses this process's DJL cache
                pb.environment().putIfAbsent(DataDirectory.DJL_CACHE_DIR, djlCache);
            }
            Process p = pb.start();
            RUNNING.add(p);
            // SIGTERM to this process (a kill, not Ctrl-C, which the whole process group gets) reaches the child
            // too, so it marks its own run interrupted instead of running on orphaned
            Thread stopChild = new Thread(() -> stop(p), "stop child " + p.pid());
            Runtime.getRuntime().addShutdownHook(stopChild);
            String out;
            int status;
            try {
                p.getOutputStream().close();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                status = p.waitFor();
            } finally {
                RUNNING.remove(p);
                try {
                    Runtime.getRuntime().removeShutdownHook(stopChild);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it stops the child
                }
            }
            if (status != 0) {
                throw new HeteroloraException("heterolora " + args.get(0) + " exited with status " + status);
            }
            return out;
        } catch (IOException e) {
            throw new HeteroloraException("cannot start a child JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HeteroloraException("interrupted while waiting for a child run");
        }
    }

    /**
     * Stops the children running now (SIGTERM: each marks its own run interrupted) and returns once they have ended,
     * or after 10 s each: what a job that is itself being interrupted does before it gives their units back.
     */
    static void stopRunning() {
        List.copyOf(RUNNING).forEach(ChildProcess::stop);
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
