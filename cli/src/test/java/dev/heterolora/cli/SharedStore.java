package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import java.nio.file.Path;
import java.util.List;

/**
 * A study database that several test processes share, as cooperating workers do: the data directory's H2 server
 * (started here, stopped on close) or a fresh PostgreSQL database, and the flags that point a command at it.
 */
final class SharedStore implements AutoCloseable {
    private final Path home;
    /** The PostgreSQL URL, or null for the data directory's H2 server. */
    private final String postgres;

    private SharedStore(Path home, String postgres) {
        this.home = home;
        this.postgres = postgres;
    }

    /** {@code "h2-server"} (the server of {@code home}, started now) or {@code "postgresql"} (a new database). */
    static SharedStore of(String backend, Path home) {
        return switch (backend) {
            case "h2-server" -> h2Server(home);
            case "postgresql" -> new SharedStore(home, TestPostgres.newDatabase());
            default -> throw new IllegalArgumentException("backend " + backend);
        };
    }

    /** The H2 server of the data directory {@code home}, started now. */
    static SharedStore h2Server(Path home) {
        CliRunner start = CliRunner.run("server", "start", "--home", home.toString());
        assertThat(start.exitCode()).as(start.err()).isZero();
        return new SharedStore(home, null);
    }

    /** The data directory. */
    Path home() {
        return home;
    }

    /** The flags that point a command at this database. */
    List<String> where() {
        return postgres == null ? List.of("--home", home.toString())
                : List.of("--home", home.toString(), "--db", postgres);
    }

    /** Opens the database in this process (through the server for H2). */
    StudyStore open() {
        return (postgres == null ? StudyDatabase.inHome(home) : StudyDatabase.at(postgres, home)).open();
    }

    /** Stops the H2 server (a PostgreSQL database is left to the embedded server's end). */
    @Override
    public void close() {
        if (postgres == null) {
            CliRunner.run("server", "stop", "--home", home.toString());
        }
    }
}
