package dev.heterolora.cli;

import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where the study database lives: {@code --db} (any supported JDBC URL) or the data directory {@code --home}, whose
 * database is used through its H2 server while {@code heterolora server start} runs one.
 */
final class StoreOptions {
    @Option(names = "--home", paramLabel = "DIR",
            description = "data directory (default: $HETEROLORA_HOME, else $XDG_DATA_HOME/heterolora, else "
                    + "$HOME/.heterolora)")
    Path home;

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "study database (default: the data directory's, through its server if one runs)")
    String db;

    /** The data directory. */
    Path home() {
        return DataDirectory.resolve(home);
    }

    /** The flags that point a child process at the same data directory and database. */
    List<String> arguments() {
        List<String> args = new ArrayList<>(List.of("--home", home().toString()));
        if (db != null) {
            args.addAll(List.of("--db", db));
        }
        return args;
    }

    /** The study database these options name. */
    StudyDatabase database() {
        return db != null ? StudyDatabase.at(db, home()) : StudyDatabase.inHome(home());
    }

    /** Opens (creating or migrating) the study database. */
    StudyStore open() {
        return database().open();
    }
}
