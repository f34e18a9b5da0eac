package dev.heterolora.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code heterolora bench}: measured speed tables (the place for speed targets, not unit tests). */
@Command(name = "bench", description = "Benchmarks that print a table.",
        subcommands = {BenchModelCommand.class, BenchProxiesCommand.class, BenchSearchCommand.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
