package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * A PostgreSQL study database ({@code --db jdbc:postgresql://host[:port]/database}) and how to log in to it.
 *
 * <p>Credentials, first found wins: {@code user} and {@code password} parameters of the URL; the environment
 * variables {@code HETEROLORA_DB_USER} and {@code HETEROLORA_DB_PASSWORD}; the file {@code db-credentials} in the data
 * directory (lines {@code user=NAME} and {@code password=SECRET}), which must be readable by its owner only (mode 0600:
 * a file that others can read is refused, not used). Without any, the driver's defaults apply (the OS user's name,
 * and whatever the server's pg_hba.conf accepts without a password). The password is moved out of the URL and is
 * never part of a message: {@link #url()} is safe to print.
 *
 * <p>The console's read-only connections set {@code SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY}: PostgreSQL
 * then refuses INSERT, UPDATE, DELETE, DDL and row locks ({@code SELECT … FOR UPDATE}) in them, and they never
 * migrate anything. (A user who can write SQL could switch the session back; for a boundary against hostile users,
 * give the console a role with SELECT rights only.)
 */
final class PostgresDatabase {
    static final String PREFIX = "jdbc:postgresql:";
    static final String CREDENTIALS_FILE = "db-credentials";
    private static final String INVALID_PASSWORD = "28P01";
    private static final String INVALID_AUTHORIZATION = "28000";
    private static final String NO_DATABASE = "3D000";

    private final String url;
    private final String user;
    private final String password;

    private PostgresDatabase(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * The database at {@code jdbcUrl}, with credentials from the URL, the environment, or {@code home}'s
     * {@value #CREDENTIALS_FILE} file ({@code home} may be null: no file).
     */
    static PostgresDatabase parse(String jdbcUrl, Path home) {
        int q = jdbcUrl.indexOf('?');
        String base = q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
        String user = null;
        String password = null;
        List<String> kept = new ArrayList<>();
        if (q >= 0) {
            for (String param : jdbcUrl.substring(q + 1).split("&")) {
                int eq = param.indexOf('=');
                String key = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    case "" -> { }
                    default -> kept.add(param);
                }
            }
        }
        if (user == null) {
            user = blankToNull(System.getenv("HETEROLORA_DB_USER"));
        }
        if (password == null) {
            password = blankToNull(System.getenv("HETEROLORA_DB_PASSWORD"));
        }
        if ((user == null || password == null) && home != null) {
            Properties file = credentialsFile(home.resolve(CREDENTIALS_FILE));
            user = user != null ? user : blankToNull(file.getProperty("user"));
            password = password != null ? password : blankToNull(file.getProperty("password"));
        }
        return new PostgresDatabase(kept.isEmpty() ? base : base + "?" + String.join("&", kept), user, password);
    }

    /** The URL without credentials: safe to print. */
    String url() {
        return url;
    }

    /** A new connection that may write (and migrate). */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, properties());
    }

    /** A new connection whose transactions are read-only; it creates and migrates nothing. */
    Connection readOnly() throws SQLException {
        Connection c = connect();
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
            c.setReadOnly(true);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /** For Flyway: the user (or null for the driver's default). */
    String user() {
        return user;
    }

    /** For Flyway: the password (or null). Never put it in a message. */
    String password() {
        return password;
    }

    /** Why a connection failed, in one line without the password. */
    HeteroloraException failure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String reason = switch (state) {
            case INVALID_PASSWORD, INVALID_AUTHORIZATION -> "wrong user name or password (give them with "
                    + "HETEROLORA_DB_USER and HETEROLORA_DB_PASSWORD, or in a 0600 file " + CREDENTIALS_FILE
                    + " in the data directory)";
            case NO_DATABASE -> "the database does not exist (create it first: createdb NAME)";
            default -> state.startsWith("08") ? "cannot reach the server (" + SqlErrors.oneLine(e) + ")"
                    : SqlErrors.oneLine(e);
        };
        String message = "cannot open study database " + url + ": " + reason;
        return new HeteroloraException(password == null || password.isEmpty() ? message
                : message.replace(password, "***"));
    }

    private Properties properties() {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", "heterolora");
        // one multi-row INSERT per JDBC batch instead of a round trip per row (trials are written in batches)
        p.setProperty("reWriteBatchedInserts", "true");
        return p;
    }

    private static Properties credentialsFile(Path file) {
        Properties p = new Properties();
        if (!Files.isRegularFile(file)) {
            return p;
        }
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                var perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
                if (perms.stream().anyMatch(x -> x != PosixFilePermission.OWNER_READ
                        && x != PosixFilePermission.OWNER_WRITE)) {
                    throw new HeteroloraException(file + " may be read by other users; make it owner-only "
                            + "(chmod 600 " + file + ")");
                }
            }
            try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            }
            return p;
        } catch (IOException e) {
            throw new HeteroloraException("cannot read " + file + ": " + PrivateFiles.reason(e));
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
