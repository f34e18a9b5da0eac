package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The attacks of issue 12 against a data directory, each refused. */
class SecurityTest {
    @TempDir
    Path dir;

    private Path home() {
        return dir.resolve("home");
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theDataDirectoryAndEveryDatabaseFileAreOwnerOnly() throws Exception {
        try (StudyStore store = StudyDatabase.inHome(home()).open()) {
            store.createStudy(Fixtures.study("private"));
            assertThat(mode(home())).isEqualTo("rwx------");
            try (Stream<Path> files = Files.list(home())) {
                assertThat(files.toList()).extracting(p -> p.getFileName().toString())
                        .contains("studies.mv.db", "studies.passwords")
                        .allSatisfy(name -> assertThat(mode(home().resolve(name))).isEqualTo("rw-------"));
            }
        }
    }

    @Test
    void anExistingDataDirectoryIsMadeOwnerOnly() throws Exception {
        Files.createDirectories(home(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        StudyDatabase.inHome(home()).open().close();
        assertThat(mode(home())).isEqualTo("rwx------");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SA", "HL_READER"})
    void noAccountOpensWithAnEmptyOrThePublishedPassword(String user) throws Exception {
        StudyDatabase.inHome(home()).open().close();
        for (String password : List.of("", "hl_reader", "sa")) {
            assertThatThrownBy(() -> DriverManager.getConnection(StudyStore.defaultUrl(home()), user, password).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("Wrong user name or password");
        }
    }

    @Test
    void aDatabaseOfAnOlderVersionGetsGeneratedPasswordsWhenFirstOpened() throws Exception {
        String url = StudyStore.defaultUrl(home());
        Files.createDirectories(home());
        Flyway.configure().dataSource(url, "sa", "").locations(Vendor.H2.migrations()).target("3").load().migrate();
        StudyDatabase.inHome(home()).open().close();
        assertThat(mode(Passwords.fileOf(home().resolve("studies")))).isEqualTo("rw-------");
        assertThatThrownBy(() -> DriverManager.getConnection(url, "sa", "").close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> DriverManager.getConnection(url, "HL_READER", "hl_reader").close())
                .isInstanceOf(SQLException.class);
        Passwords kept = Passwords.read(home().resolve("studies")).orElseThrow();
        DriverManager.getConnection(url, "sa", kept.admin()).close();
        assertThat(kept.toString()).doesNotContain(kept.admin());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "CREATE ALIAS PID FOR 'java.lang.ProcessHandle.current'",
        "CALL FILE_READ('/etc/hostname')",
        "SELECT FILE_READ('/etc/hostname')",
        "SHUTDOWN",
        "DELETE FROM study",
    })
    void theReadOnlyConsoleRefusesCodeFilesLocksAndWrites(String attack) {
        try (StudyStore store = StudyDatabase.inHome(home()).open()) {
            store.createStudy(Fixtures.study("target"));
        }
        SqlConsole console = StudyDatabase.inHome(home()).openReadOnly();
        assertThatThrownBy(() -> console.execute(attack, false)).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("SQL error: ").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> console.execute(attack, true)).hasMessage("this console was opened read-only");
        assertThat(console.execute("SELECT name FROM study", false).rows()).containsExactly(List.of("target"));
    }

    /**
     * H2 has no read-only transactions and lets a SELECT-only user lock rows, so a reader's {@code FOR UPDATE} is not
     * refused there (PostgreSQL's read-only transaction refuses it); the console ends its transaction right after
     * the statement, so the locks are gone before the console returns and no writer waits on them.
     */
    @Test
    void aReadersRowLocksEndWithItsStatement() throws Exception {
        H2Server server = H2Server.start(home(), 0);
        try (server; StudyStore writer = StudyDatabase.inHome(home()).open()) {
            long id = writer.createStudy(Fixtures.study("locked"));
            StudyDatabase.inHome(home()).openReadOnly().execute("SELECT * FROM study FOR UPDATE", false);
            writer.setStatus(id, Status.FINISHED);
            assertThat(writer.study(id).orElseThrow().status()).isEqualTo(Status.FINISHED);
        }
    }

    @Test
    void theReadOnlyConsoleNeverCreatesADatabase() {
        assertThatThrownBy(() -> StudyDatabase.inHome(home()).openReadOnly()).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study database at " + home().toAbsolutePath().resolve("studies") + ".mv.db yet "
                        + "(a search creates it)");
        assertThat(home()).doesNotExist();
    }

    @Test
    void theReadOnlyConsoleNeverMigrates() throws Exception {
        StudyDatabase.inHome(home()).open().close();
        String url = StudyStore.defaultUrl(home());
        Passwords kept = Passwords.read(home().resolve("studies")).orElseThrow();
        try (Connection c = DriverManager.getConnection(url, "SA", kept.admin()); Statement st = c.createStatement()) {
            st.execute("DELETE FROM \"flyway_schema_history\" WHERE \"version\" = '7'");
        }
        SqlConsole console = StudyDatabase.inHome(home()).openReadOnly();
        assertThat(console.execute("SELECT MAX(\"version\") FROM \"flyway_schema_history\"", false).rows())
                .containsExactly(List.of("6"));
    }

    @Test
    void anUnwritablePathIsOneLine() {
        assertThatThrownBy(() -> StudyStore.open("jdbc:h2:file:/proc/heterolora/studies"))
                .isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("cannot create the data directory /proc/heterolora: ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aSecondProcessIsToldToStartTheServer() throws Exception {
        try (StudyStore owner = StudyDatabase.inHome(home()).open()) {
            Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), OpenOnce.class.getName(),
                    home().toString()).redirectErrorStream(true).start();
            String output = new String(other.getInputStream().readAllBytes()).strip();
            assertThat(other.waitFor()).isEqualTo(2);
            assertThat(output).startsWith("cannot open study database jdbc:h2:file:")
                    .endsWith("it is in use by another process (to share it between processes, run 'heterolora "
                            + "server start'; every command on this data directory then goes through the server)")
                    .doesNotContain("\n");
        }
    }

    /** Opens a data directory's database once in another JVM: prints the one-line error and exits 2 if it cannot. */
    public static final class OpenOnce {
        private OpenOnce() {}

        /** Opens {@code args[0]}'s database. */
        public static void main(String[] args) {
            try {
                StudyDatabase.inHome(Path.of(args[0])).open().close();
            } catch (HeteroloraException e) {
                System.out.println(e.getMessage());
                System.exit(2);
            }
        }
    }
}
