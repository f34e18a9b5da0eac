package dev.heterolora.cli;

import dev.heterolora.results.Export;
import dev.heterolora.studies.StudyStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code heterolora export ID}: trials and runs of a study as CSV or JSON for other tools. */
@Command(name = "export", description = "Export a study's trials and runs as CSV (trials.csv, metrics.csv) or JSON.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Parameters(index = "0", paramLabel = "ID", description = "study id")
    long id;

    @Option(names = "--format", defaultValue = "csv", description = "csv or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--out", paramLabel = "PATH", description = "output folder (csv) or file (json) (default: "
            + "<home>/exports/study-ID)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path target = out != null ? out : store.home().resolve("exports").resolve("study-" + id);
        try (StudyStore db = store.open()) {
            List<Path> files = Export.write(db, id, format, target);
            files.forEach(f -> spec.commandLine().getOut().println("wrote " + f));
        }
        return 0;
    }
}
