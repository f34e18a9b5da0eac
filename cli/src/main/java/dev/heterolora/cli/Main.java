package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code heterolora} command: parses flags, runs one subcommand, prints its result, and turns user errors
 * into one line on stderr with exit status 2.
 */
@Command(name = "heterolora", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Decides where LoRA adapters go in a language model (zero-cost proxies + genetic search) "
                + "and aligns it with LoRA-based PPO.",
        subcommands = {WorldCommand.class, SearchCommand.class, TrainCommand.class, SftCommand.class,
                RewardCommand.class, MergeCommand.class, InspectCommand.class, ScoreCommand.class, GenerateCommand.class,
                StudiesCommand.class,
                StudyCommand.class, SqlCommand.class, ReplayCommand.class, ValidateCommand.class, RefineCommand.class, ReportCommand.class, ExportCommand.class,
                ExperimentCommand.class, BenchCommand.class, ServerCommand.class, JobsCommand.class, DashboardCommand.class,
                CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status for problems the user can fix (bad flags, bad input, missing files). */
    static final int USER_ERROR = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        utf8InThePosixLocale();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * In the C/POSIX locale (no {@code LANG}, as in a bare container or {@code env -i}) Java encodes standard output
     * as US-ASCII and prints every ×, →, ± and · of the CLI's output as '?'. There, as Python does (PEP 538), the
     * streams take UTF-8, which the terminals such environments are watched through show; a locale that names
     * another charset keeps it.
     */
    private static void utf8InThePosixLocale() {
        if (ascii("stdout.encoding")) {
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8));
            System.setProperty("stdout.encoding", "UTF-8");
        }
        if (ascii("stderr.encoding")) {
            System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
            System.setProperty("stderr.encoding", "UTF-8");
        }
    }

    private static boolean ascii(String property) {
        try {
            return Charset.forName(System.getProperty(property, "UTF-8")).equals(StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    /** Runs the CLI with the given streams and returns the exit status (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("h2.bindAddress", System.getProperty("h2.bindAddress", "127.0.0.1"));
        // libtorch's intra-op threads = the cores this JVM may use (cgroup quotas included, which OpenMP's default
        // ignores in containers); -Dai.djl.pytorch.num_threads=N still wins
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads",
                String.valueOf(Runtime.getRuntime().availableProcessors())));
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(Main::badArguments);
        cli.setExecutionStrategy(parsed -> {
            DataDirectory.useDjlCacheIn(DataDirectory.resolve(homeFlag(parsed)), System.getenv(), System.getProperties());
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof HeteroloraException) {
                err.println("heterolora: " + e.getMessage());
                return USER_ERROR;
            }
            err.println("heterolora: internal error: " + e);
            e.printStackTrace(err);
            return 1;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * One line for a command line picocli cannot parse, with picocli's suggestion for a mistyped option or
     * subcommand (e.g. {@code heterolora: unknown option '--budjet'; did you mean --budget?}), instead of the usage.
     */
    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String where = cmd.getCommandSpec().qualifiedName();
        String message;
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            String what = u.isUnknownOption() ? "unknown option"
                    : cmd.getSubcommands().isEmpty() ? "unexpected argument" : "unknown command";
            List<String> suggestions = u.getSuggestions();
            message = String.format("%s '%s'; %s", what, arg, suggestions.isEmpty()
                    ? "see '" + where + " --help'"
                    : "did you mean " + suggestions.get(0) + "?"); // picocli puts the closest first
        } else {
            message = e.getMessage() + " (see '" + where + " --help')";
        }
        cmd.getErr().println("heterolora: " + message);
        cmd.getErr().flush();
        return USER_ERROR;
    }

    /** The {@code --home} given to the command that runs (it belongs to the innermost subcommand), or null. */
    private static Path homeFlag(CommandLine.ParseResult parsed) {
        Path home = null;
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--home")) {
                home = p.matchedOptionValue("--home", (Path) null);
            }
        }
        return home;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/heterolora-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"heterolora " + p.getProperty("version", "unknown")};
        }
    }
}
