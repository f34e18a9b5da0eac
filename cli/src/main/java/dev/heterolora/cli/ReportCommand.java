package dev.heterolora.cli;

import dev.heterolora.results.Report;
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

/** {@code heterolora report [ID|NAME]}: a self-contained HTML page with PNG charts and the tables behind them. */
@Command(name = "report", description = "Write an HTML report of a study: search history, Pareto front, allocation "
        + "heat maps, proxy validation, training curves.")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Parameters(index = "0", paramLabel = "ID|NAME", arity = "0..1", description = "study id or name (default: the "
            + "latest finished)")
    String ref;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: <home>/reports/study-ID)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        System.setProperty("java.awt.headless", "true");
        try (StudyStore db = store.open()) {
            long id = StudyRef.find(db, ref).id();
            Path dir = out != null ? out : store.home().resolve("reports").resolve("study-" + id);
            List<Path> files = Report.write(db, id, dir);
            spec.commandLine().getOut().printf("wrote %s (%d files)%n", files.get(0), files.size());
        }
        return 0;
    }
}
