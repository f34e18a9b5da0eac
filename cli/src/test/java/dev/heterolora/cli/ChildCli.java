package dev.heterolora.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@code heterolora} command in a child JVM, for tests that need a real process (real signals, kill -9): its stdout
 * and stderr merged and collected line by line as it prints them.
 */
final class ChildCli implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildCli(Process process) {
        this.process = process;
        reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(output lost: " + e.getMessage() + ")");
            }
        }, "child-output");
        reader.start();
    }

    /** Starts {@code heterolora args…} with this JVM's class path. */
    static ChildCli start(List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        try {
            return new ChildCli(new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What it printed so far. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    /** Its process id (a cooperating worker's name ends in it: {@code host:pid}). */
    long pid() {
        return process.pid();
    }

    /** Sends SIGTERM (what Ctrl-C and {@code kill} send; {@code Process.destroy()} would also close its output). */
    void terminate() {
        process.toHandle().destroy();
    }

    /** Sends SIGKILL ({@code kill -9}). */
    void kill() {
        process.destroyForcibly();
    }

    /** Waits for it to exit and for its output to be read; returns its exit code. */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("still running after " + seconds + " s; printed: " + lines);
        }
        reader.join(TimeUnit.SECONDS.toMillis(seconds));
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
