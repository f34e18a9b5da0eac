package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * Where the study database is and how to log in to it: an H2 file for one process at a time, the H2 server that
 * {@code heterolora server start} runs for a data directory (which every local command then uses by itself), any
 * H2 URL, or a PostgreSQL database ({@code jdbc:postgresql://…}, see {@link PostgresDatabase} for its credentials). It opens a {@link StudyStore} as the database's admin (creating and migrating it), or a read-only
 * {@link SqlConsole} that never creates or migrates anything.
 *
 * <p>Credentials never come from or go into messages: passwords given in the URL are moved out of it, the generated
 * ones of a local database are kept in its owner-only {@code .passwords} file ({@link Passwords}), and a remote
 * server's come from {@code HETEROLORA_DB_PASSWORD} (and {@code HETEROLORA_DB_READER_PASSWORD} for the console).
 * A database file created by an older version (admin {@code SA} with an empty password, reader with a published one)
 * gets generated passwords the first time it is opened for writing.
 */
public final class StudyDatabase {
    /** Name of the database file in a data directory ({@code studies.mv.db}). */
    static final String NAME = "studies";
    static final String READER = "HL_READER";
    /** H2's IO_EXCEPTION_1, IO_EXCEPTION_2, FILE_CORRUPTED_1, FILE_VERSION_ERROR_1: what a damaged or foreign file gives. */
    private static final Set<Integer> UNREADABLE_FILE_ERRORS = Set.of(90028, 90031, 90030, 90048);
    private static final int WRONG_PASSWORD = 28000;
    private static final int ALREADY_OPEN = 90020;
    private static final int NOT_FOUND = 90146;

    /** The H2 URL, or null for PostgreSQL. */
    private final H2Url url;
    /** The PostgreSQL database, or null for H2. */
    private final PostgresDatabase postgres;
    /** The database file whose {@code .passwords} file holds the passwords, or null (in memory, remote server). */
    private final Path passwordsOf;
    /** Passwords of an in-memory database, made up when it is first described. */
    private final Passwords inMemory;

    private StudyDatabase(H2Url url, Path passwordsOf) {
        this.url = url;
        this.postgres = null;
        this.passwordsOf = passwordsOf;
        this.inMemory = url.url().regionMatches(true, H2Url.PREFIX.length(), "mem:", 0, 4) ? Passwords.random() : null;
    }

    private StudyDatabase(PostgresDatabase postgres) {
        this.url = null;
        this.postgres = postgres;
        this.passwordsOf = null;
        this.inMemory = null;
    }

    /**
     * The database at a JDBC URL ({@code jdbc:h2:file:…}, {@code jdbc:h2:tcp://…}, {@code jdbc:h2:mem:…},
     * {@code jdbc:postgresql://…}); PostgreSQL credentials from the URL or the environment only.
     */
    public static StudyDatabase at(String jdbcUrl) {
        return at(jdbcUrl, null);
    }

    /**
     * {@link #at(String)}, where a PostgreSQL database may also take its credentials from the data directory's
     * owner-only {@code db-credentials} file ({@code home} may be null).
     */
    public static StudyDatabase at(String jdbcUrl, Path home) {
        if (Vendor.of(jdbcUrl) == Vendor.POSTGRESQL) {
            return new StudyDatabase(PostgresDatabase.parse(jdbcUrl, home));
        }
        H2Url url = H2Url.parse(jdbcUrl);
        return new StudyDatabase(url, url.file());
    }

    /**
     * The database of a data directory: {@code home/studies.mv.db}, through the H2 server of that directory while one
     * runs ({@link H2Server}), otherwise as an embedded file.
     */
    public static StudyDatabase inHome(Path home) {
        Path file = home.toAbsolutePath().normalize().resolve(NAME);
        return H2Server.running(home)
                .map(s -> new StudyDatabase(H2Url.parse("jdbc:h2:tcp://" + s.clientHost() + ":" + s.port() + "/" + NAME),
                        file))
                .orElseGet(() -> at(fileUrl(home)));
    }

    /** The embedded file URL of a data directory's database. */
    static String fileUrl(Path home) {
        return "jdbc:h2:file:" + home.toAbsolutePath().normalize().resolve(NAME);
    }

    /**
     * Whether this is an embedded H2 file, which one process at a time can open: a job that starts child processes
     * on it must close it while a child works (a server, PostgreSQL or an in-memory database need not).
     */
    public boolean embeddedFile() {
        return url != null && url.file() != null;
    }

    /** The URL without credentials: safe to print. */
    public String url() {
        return postgres != null ? postgres.url() : url.url();
    }

    @Override
    public String toString() {
        return url();
    }

    /**
     * Opens (creating if needed) the database as its admin and migrates its schema. A file database's directory is
     * created owner-only and its files are made owner-only.
     *
     * @throws HeteroloraException (one line) for an unreachable server, a file in use by another process, a wrong
     *                             password, a corrupt or non-H2 file, an unwritable path or a failed migration
     */
    public StudyStore open() {
        if (postgres != null) {
            return openPostgres();
        }
        if (url.file() != null) {
            PrivateFiles.directory(url.file().getParent());
        }
        Passwords passwords = passwords(true);
        String password = url.password() != null ? url.password() : passwords.admin();
        Connection c = connectAdmin(password);
        try {
            Migrations.migrate(Vendor.H2, url.url(), url.user(), password);
            if ((passwordsOf != null || inMemory != null) && !readerAccepts(passwords.reader())) {
                setPassword(c, READER, passwords.reader());
            }
            writeEveryCommit(c);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        if (url.file() != null) {
            PrivateFiles.databaseFiles(url.file());
        }
        return ready(new StudyStore(this, new Jdbc(c, Vendor.H2)));
    }

    private StudyStore openPostgres() {
        Connection c;
        try {
            c = postgres.connect();
        } catch (SQLException e) {
            throw postgres.failure(e);
        }
        try {
            Migrations.migrate(Vendor.POSTGRESQL, postgres.url(), postgres.user(), postgres.password());
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        return ready(new StudyStore(this, new Jdbc(c, Vendor.POSTGRESQL)));
    }

    /** A freshly opened store, after marking the running work of dead processes interrupted ({@link Heartbeat}). */
    private static StudyStore ready(StudyStore store) {
        try {
            store.failStale(Heartbeat.grace());
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * A console that runs statements read-only as {@code HL_READER} (SELECT rights only), on an H2 file opened
     * read-only. It creates and migrates nothing: a database that does not exist yet is an error.
     *
     * @throws HeteroloraException (one line) if there is no database there yet, or it cannot be reached
     */
    public SqlConsole openReadOnly() {
        if (postgres != null) {
            try (Connection probe = postgres.readOnly();
                 ResultSet rs = probe.getMetaData().getTables(null, null, "study", null)) {
                if (!rs.next()) {
                    throw new HeteroloraException("no study database at " + url() + " yet (a search creates it)");
                }
                return new SqlConsole(null, this::readerConnection);
            } catch (SQLException e) {
                throw postgres.failure(e);
            }
        }
        if (url.file() != null && !Files.exists(url.file().resolveSibling(url.file().getFileName() + ".mv.db"))) {
            throw new HeteroloraException("no study database at " + url.file() + ".mv.db yet (a search creates it)");
        }
        try (Connection probe = readerConnection()) {
            return new SqlConsole(null, this::readerConnection);
        } catch (SQLException e) {
            throw openFailure(e);
        }
    }

    /**
     * A new connection as the SELECT-only reader; on an H2 file, a read-only one. It creates and migrates nothing:
     * for read-only views that keep a connection and bind parameters (the dashboard).
     */
    public Connection readerConnection() throws SQLException {
        if (postgres != null) {
            return postgres.readOnly();
        }
        String reader = passwords(false).reader();
        if (reader == null) {
            throw new HeteroloraException("the read-only console on " + url() + " needs the reader's password (set "
                    + "HETEROLORA_DB_READER_PASSWORD to the reader= line of the server's studies.passwords)");
        }
        return DriverManager.getConnection(url.file() != null
                ? url.with("IFEXISTS=TRUE", "ACCESS_MODE_DATA=r")
                : url.with("IFEXISTS=TRUE"), READER, reader);
    }

    private Connection connectAdmin(String password) {
        // DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the database while a job's interruption hook
        // still marks its study interrupted ("Database is already closed"); committed data is on disk either way.
        // MAX_COMPACT_TIME: every commit is written at once (WRITE_DELAY 0), each as a chunk of its own (~16 KB for
        // one metric row) that H2 keeps for 45 s; the 200 ms H2 compacts on close by default left a file written by
        // 5,000 single-row commits at 8.2 MB (20,000: 12.6 MB); 2 s leave 0.56 MB (2.3 MB). See H2FileSizeTest.
        String connect = url.file() != null
                ? url.with("TRACE_LEVEL_FILE=0", "DB_CLOSE_ON_EXIT=FALSE", "MAX_COMPACT_TIME=2000") : url.url();
        try {
            return DriverManager.getConnection(connect, url.user(), password);
        } catch (SQLException e) {
            if (e.getErrorCode() == WRONG_PASSWORD && url.password() == null && url.file() != null) {
                return adoptLegacy(connect, password, e);
            }
            throw openFailure(e);
        }
    }

    /** A file from before generated passwords: log in with its empty admin password once and set the generated one. */
    private Connection adoptLegacy(String connect, String password, SQLException refused) {
        Connection c;
        try {
            c = DriverManager.getConnection(connect, url.user(), "");
        } catch (SQLException e) {
            throw openFailure(refused);
        }
        try {
            setPassword(c, url.user(), password);
            return c;
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Makes H2 write every commit to the file at once (a persistent setting, so the server's database has it too):
     * by default it keeps committed changes in memory for up to 500 ms, and a process killed with -9 lost the
     * metrics of its last steps (issue 12; see DurabilityTest).
     */
    private void writeEveryCommit(Connection c) {
        try (PreparedStatement ps = c.prepareStatement("SET WRITE_DELAY 0")) {
            ps.execute();
        } catch (SQLException e) {
            throw openFailure(e);
        }
    }

    /**
     * Whether the reader can already log in with {@code password}. The password is set only when it cannot (a new
     * database, or one from before generated passwords): H2 changes a user's salt and hash one after the other, so
     * re-setting it on every open let a reader logging in at that moment through the server fail with "wrong user
     * name or password" (seen with four searches and a polling {@code sql} on one server).
     */
    private boolean readerAccepts(String password) {
        try (Connection probe = DriverManager.getConnection(url.with("IFEXISTS=TRUE"), READER, password)) {
            return true;
        } catch (SQLException e) {
            if (e.getErrorCode() == WRONG_PASSWORD) {
                return false;
            }
            throw openFailure(e);
        }
    }

    /** Sets a user's password (a bound parameter: any characters are safe). */
    private void setPassword(Connection c, String user, String password) {
        try (PreparedStatement ps = c.prepareStatement("ALTER USER \"" + user.toUpperCase(Locale.ROOT).replace("\"", "")
                + "\" SET PASSWORD ?")) {
            ps.setString(1, password);
            ps.execute();
        } catch (SQLException e) {
            throw openFailure(e);
        }
    }

    private HeteroloraException openFailure(SQLException e) {
        String reason = switch (e.getErrorCode()) {
            case ALREADY_OPEN -> "it is in use by another process (to share it between processes, run "
                    + "'heterolora server start'; every command on this data directory then goes through the server)";
            case WRONG_PASSWORD -> "wrong user name or password" + (passwordsOf == null
                    ? " (set HETEROLORA_DB_PASSWORD, or PASSWORD=... in the URL)"
                    : " (the passwords are kept in " + Passwords.fileOf(passwordsOf) + ")");
            case NOT_FOUND -> "it does not exist yet (a search creates it)";
            default -> (UNREADABLE_FILE_ERRORS.contains(e.getErrorCode())
                    ? "not a readable H2 2.x database file (corrupt, truncated or written by another program): " : "")
                    + SqlErrors.oneLine(e);
        };
        return new HeteroloraException("cannot open study database " + url() + ": " + reason);
    }

    /** The passwords to use; {@code create}: generate and keep them for a local file database that has none yet. */
    private Passwords passwords(boolean create) {
        if (inMemory != null) {
            return inMemory;
        }
        if (passwordsOf != null) {
            return create ? Passwords.forFile(passwordsOf) : Passwords.read(passwordsOf).orElseThrow(() ->
                    new HeteroloraException("cannot open study database " + url() + " read-only: it has no "
                            + Passwords.fileOf(passwordsOf).getFileName() + " file yet (an older heterolora made it; "
                            + "any command that writes, e.g. 'heterolora studies', creates one)"));
        }
        String admin = System.getenv("HETEROLORA_DB_PASSWORD");
        String reader = System.getenv("HETEROLORA_DB_READER_PASSWORD");
        if (url.password() == null && (admin == null || admin.isEmpty())) {
            throw new HeteroloraException("cannot open study database " + url() + ": it needs a password (set "
                    + "HETEROLORA_DB_PASSWORD to the admin= line of the server's studies.passwords)");
        }
        return new Passwords(url.password() != null ? url.password() : admin,
                reader == null || reader.isEmpty() ? null : reader);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the error that made us close it is the one worth reporting
        }
    }
}
