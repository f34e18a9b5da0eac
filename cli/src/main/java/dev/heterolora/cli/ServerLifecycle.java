package dev.heterolora.cli;

import dev.heterolora.studies.H2Server;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The subcommands of {@code heterolora server} that run, stop and ask about a running server. */
final class ServerLifecycle {
    private ServerLifecycle() {}

    /** {@code server run}: what {@code start} runs in the background. */
    @Command(name = "run", hidden = true, description = "Run the server in this process until it is stopped.")
    static final class Run implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Option(names = "--port")
        int port;

        @Override
        public Integer call() throws InterruptedException {
            H2Server server = H2Server.start(store.home().toAbsolutePath(), port);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            spec.commandLine().getOut().println("serving on port " + server.port());
            spec.commandLine().getOut().flush();
            server.awaitStop();
            return 0;
        }
    }

    /** {@code server stop}. */
    @Command(name = "stop", description = "Stop the server (open connections are closed).")
    static final class Stop implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Optional<H2Server.Info> stopped = H2Server.stop(store.home().toAbsolutePath(), Duration.ofSeconds(30));
            spec.commandLine().getOut().println(stopped.map(s -> "stopped the server on " + ServerCommand.describe(s))
                    .orElse("no server running for " + store.home()));
            return 0;
        }
    }

    /** {@code server status}: exit 0 while one runs, 3 if none. */
    @Command(name = "status", description = "Say whether a server runs for the data directory (exit 3 if not).")
    static final class Status implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Optional<H2Server.Info> running = H2Server.running(store.home().toAbsolutePath());
            spec.commandLine().getOut().println(running.map(s -> "running on " + ServerCommand.describe(s))
                    .orElse("not running"));
            return running.isPresent() ? 0 : 3;
        }
    }
}
