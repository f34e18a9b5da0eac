package dev.heterolora.studies;

import static dev.heterolora.studies.Fixtures.study;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is PostgreSQL's own: credentials (URL, data directory file; never in messages), the read-only console on a
 * READ ONLY session, and a console that never creates a schema. (The storage operations themselves run on PostgreSQL
 * in every test that extends {@link InMemoryStoreTest}.)
 */
class PostgresStorageTest {
    private static final String SECRET = "pa55-w0rd-that-must-not-leak";

    @Test
    void aWrongPasswordIsOneLineWithoutThePassword() {
        String role = TestPostgres.newRole(SECRET);
        String url = TestPostgres.newDatabase().replace("user=postgres", "user=" + role + "&password=" + SECRET + "x");
        assertThatThrownBy(() -> StudyDatabase.at(url).open()).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("cannot open study database jdbc:postgresql://localhost:")
                .hasMessageContaining("wrong user name or password")
                .hasMessageNotContaining(SECRET).hasMessageNotContaining("\n");
        assertThat(StudyDatabase.at(url).url()).doesNotContain(SECRET).doesNotContain(role);
    }

    @Test
    void credentialsComeFromTheUrlOrAnOwnerOnlyFileInTheDataDirectory(@TempDir Path home) throws Exception {
        String role = TestPostgres.newRole(SECRET);
        String base = TestPostgres.newDatabase();
        try (StudyStore ignored = StudyStore.open(base)) {
            // the superuser migrates; the role then gets the rights a user of a shared database would have
        }
        String url = base.replace("?user=postgres", "");
        try (StudyStore admin = StudyStore.open(base)) {
            admin.console().execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role, true);
            admin.console().execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role, true);
        }
        try (StudyStore s = StudyDatabase.at(url + "?user=" + role + "&password=" + SECRET).open()) {
            assertThat(s.createStudy(study("from the url"))).isPositive();
        }
        Path file = home.resolve(PostgresDatabase.CREDENTIALS_FILE);
        Files.writeString(file, "user=" + role + "\npassword=" + SECRET + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> StudyDatabase.at(url, home).open()).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("may be read by other users").hasMessageNotContaining(SECRET);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        try (StudyStore s = StudyDatabase.at(url, home).open()) {
            assertThat(s.studyNamed("from the url")).isPresent();
        }
    }

    @Test
    void theReadOnlyConsoleReadsButRefusesWritesLocksAndEscapes() {
        String url = TestPostgres.newDatabase();
        try (StudyStore store = StudyStore.open(url)) {
            store.createStudy(study("kept"));
        }
        SqlConsole console = StudyDatabase.at(url).openReadOnly();
        assertThat(console.execute("SELECT name FROM study", false).rows()).containsExactly(List.of("kept"));
        for (String attack : List.of("DELETE FROM study", "UPDATE study SET name = 'x'", "DROP TABLE metric",
                "SELECT * FROM study FOR UPDATE", "CREATE TABLE evil (x INT)",
                "SET TRANSACTION READ WRITE", "COMMIT; DELETE FROM study",
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; DELETE FROM study")) {
            assertThatThrownBy(() -> console.execute(attack, false)).as(attack)
                    .isInstanceOf(HeteroloraException.class).hasMessageNotContaining("\n");
        }
        assertThat(console.execute("SELECT COUNT(*) FROM study", false).rows()).containsExactly(List.of(1L));
        assertThatThrownBy(() -> console.execute("DELETE FROM study", false))
                .hasMessageEndingWith("(the console is read-only; writing needs --write)");
    }

    @Test
    void theReadOnlyConsoleNeverCreatesASchema() {
        String url = TestPostgres.newDatabase();
        assertThatThrownBy(() -> StudyDatabase.at(url).openReadOnly()).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study database at " + StudyDatabase.at(url).url() + " yet (a search creates it)");
        try (StudyStore store = StudyStore.open(url)) {
            assertThat(store.console().execute("SELECT COUNT(*) FROM study", false).rows())
                    .containsExactly(List.of(0L));
        }
    }

    @Test
    void anUnreachableServerIsOneLine() {
        assertThatThrownBy(() -> StudyDatabase.at("jdbc:postgresql://127.0.0.1:1/none?user=x&password=" + SECRET)
                .open()).isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("cannot open study database jdbc:postgresql://127.0.0.1:1/none: cannot reach "
                        + "the server").hasMessageNotContaining(SECRET).hasMessageNotContaining("\n");
    }
}
