package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs another {@code heterolora} command in a fresh JVM with this one's Java, JVM flags and class path: how an
 * experiment gives every run its own process, so memory is measured per run and a native crash costs one run.
 */
final class ChildProcess {
    private ChildProcess() {}

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
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
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
            // SIGTERM to this process (a kill, not Ctrl-C, which the whole process group gets) reaches the child
            // too, so it marks its own run interrupted instead of running on orphaned
            Thread stopChild = new Thread(() -> {
                p.destroy();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop child " + p.pid());
            Runtime.getRuntime().addShutdownHook(stopChild);
            String out;
            int status;
            try {
                p.getOutputStream().close();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                status = p.waitFor();
            } finally {
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
}
