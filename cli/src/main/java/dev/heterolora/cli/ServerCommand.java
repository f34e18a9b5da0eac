package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.H2Server;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code heterolora server start|stop|status}: the H2 server that lets several processes and machines share one data
 * directory's study database. {@code start} runs it in a background JVM ({@code server run}) and returns once it
 * listens; while it runs, every command on that data directory goes through it by itself.
 */
@Command(name = "server", description = "Share the data directory's study database between processes and machines "
        + "(an H2 TCP server).", subcommands = {ServerCommand.Start.class, ServerLifecycle.Stop.class,
            ServerLifecycle.Status.class, ServerLifecycle.Run.class})
final class ServerCommand implements Runnable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A running server as one line: address, port and pid. */
    static String describe(H2Server.Info s) {
        return s.address() + ":" + s.port() + " (pid " + s.pid() + ")";
    }

    /** {@code server start}. */
    @Command(name = "start", description = "Start the server in the background (loopback only unless --listen).")
    static final class Start implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Option(names = "--port", description = "TCP port (default: any free one)")
        int port;

        @Option(names = "--listen", paramLabel = "ADDRESS",
                description = "address to listen on (default 127.0.0.1; 0.0.0.0 lets other machines connect)")
        String listen = "127.0.0.1";

        @Override
        public Integer call() throws IOException, InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            Path home = store.home().toAbsolutePath();
            Optional<H2Server.Info> running = H2Server.running(home);
            if (running.isPresent()) {
                out.println("server already running on " + describe(running.get()));
                return 0;
            }
            Files.createDirectories(home);
            Path log = home.resolve("server.log");
            Process child = new ProcessBuilder(command(home)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            child.getOutputStream().close();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while ((running = H2Server.running(home)).isEmpty()) {
                if (!child.isAlive()) {
                    throw new HeteroloraException("the server did not start (exit status " + child.exitValue()
                            + "): " + lastLine(log));
                }
                if (System.nanoTime() > deadline) {
                    child.destroy();
                    throw new HeteroloraException("the server did not start within " + START_TIMEOUT.toSeconds()
                            + " s (see " + log + ")");
                }
                Thread.sleep(100);
            }
            out.println("server running on " + describe(running.get()) + "; commands on " + home
                    + " use it now; other machines: --db jdbc:h2:tcp://HOST:" + running.get().port()
                    + "/studies with HETEROLORA_DB_PASSWORD from " + home.resolve("studies.passwords"));
            return 0;
        }

        /** This JVM's java, flags and class path running {@code server run} detached from the terminal's signals. */
        private List<String> command(Path home) {
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
                command.add("/usr/bin/setsid");
            }
            command.add(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            ChildProcess.jvmArguments().stream().filter(a -> !a.startsWith("-Dh2.bindAddress=")).forEach(command::add);
            command.add("-Dh2.bindAddress=" + listen);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "server", "run",
                    "--home", home.toString(), "--port", String.valueOf(port)));
            return command;
        }

        private static String lastLine(Path log) throws IOException {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
        }
    }
}
