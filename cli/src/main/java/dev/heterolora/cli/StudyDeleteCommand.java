package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora study delete ID|NAME --yes}: removes a study with its trials, runs, metrics and validations;
 * without {@code --yes} it refuses in one line and deletes nothing, since there is no undo.
 */
@Command(name = "delete", description = "Delete a study and everything recorded for it (needs --yes).")
final class StudyDeleteCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Parameters(index = "0", paramLabel = "ID|NAME", description = "study id or name")
    String ref;

    @Option(names = "--yes", description = "really delete (there is no undo)")
    boolean yes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (StudyStore db = store.open()) {
            Study s = StudyRef.find(db, ref);
            String what = "study " + s.id() + (s.name() == null ? "" : " '" + s.name() + "'");
            if (!yes) {
                throw new HeteroloraException("not deleting " + what + " with its " + db.trialCount(s.id())
                        + " trials and " + db.runs(s.id()).size() + " runs without --yes");
            }
            db.deleteStudy(s.id());
            spec.commandLine().getOut().println("deleted " + what);
        }
        return 0;
    }
}
