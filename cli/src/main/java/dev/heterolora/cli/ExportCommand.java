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

/** {@code heterolora export [ID|NAME]}: a study's trials, runs and validations as JSON and CSV for other tools. */
@Command(name = "export", description = "Export a study as study-ID.json and a study-ID/ folder of CSV files "
        + "(trials, metrics, validations, correlations, experiments).",
        footer = {"", "Examples:", "  heterolora export                         # the latest finished study",
                "  heterolora export vote-150k --format csv --out ./results"})
final class ExportCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Parameters(index = "0", paramLabel = "ID|NAME", arity = "0..1", description = "study id or name (default: the "
            + "latest finished)")
    String ref;

    @Option(names = "--format", defaultValue = "all", description = "all, csv or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--out", paramLabel = "DIR", description = "folder that receives study-ID.json and study-ID/ "
            + "(default: <home>/exports)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path target = out != null ? out : store.home().resolve("exports");
        try (StudyStore db = store.open()) {
            List<Path> files = Export.write(db, StudyRef.find(db, ref).id(), format, target);
            files.forEach(f -> spec.commandLine().getOut().println("wrote " + f));
        }
        return 0;
    }
}
