package dev.heterolora.cli;

import dev.heterolora.studies.StudyStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the study database lives: {@code --db} (any H2 JDBC URL) or the data directory {@code --home}. */
final class StoreOptions {
    @Option(names = "--home", paramLabel = "DIR",
            description = "data directory (default: $HETEROLORA_HOME or ~/.heterolora)")
    Path home;

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "study database (default: an H2 file under the data directory)")
    String db;

    /** The data directory. */
    Path home() {
        if (home != null) {
            return home;
        }
        String env = System.getenv("HETEROLORA_HOME");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".heterolora");
    }

    /** The flags that point a child process at the same data directory and database. */
    java.util.List<String> arguments() {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--home", home().toString()));
        if (db != null) {
            args.addAll(java.util.List.of("--db", db));
        }
        return args;
    }

    /** Opens (creating or migrating) the study database. */
    StudyStore open() {
        return StudyStore.open(db != null ? db : StudyStore.defaultUrl(home()));
    }
}
