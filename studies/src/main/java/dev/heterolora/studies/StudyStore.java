package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The H2 {@link StudyStorage}: one H2 database (a file under the home directory by default, or any H2 URL: file,
 * {@code tcp://} server, in-memory) that the search, the trainer, reports and the SQL console all share. It opens
 * the database and composes one part per concern (studies, trials, runs, metrics, validations), each over the
 * same {@link Jdbc} connection, and the {@link WorkQueue} over it.
 *
 * <p>Opening migrates the schema with Flyway ({@code classpath:db/heterolora}). File databases are opened with
 * {@code AUTO_SERVER=TRUE}: the first process serves the file on a loopback port written to its
 * {@code .lock.db}, later processes connect through it, so {@code heterolora sql} can read a study while a
 * search is still writing it.
 *
 * <p>Non-finite numbers are stored as SQL NULL rather than as H2 DOUBLE NaN or infinities: H2 2.5 fails
 * {@code AVG} and {@code SUM} over a column holding them ("Data conversion error converting NaN"), which would
 * break users' queries; NULL is what SQL aggregates skip.
 *
 * <p>One JDBC connection per store; its operations take turns on it (see {@link Jdbc}), so any thread may call.
 */
public final class StudyStore implements StudyStorage {
    /** H2's IO_EXCEPTION_1, IO_EXCEPTION_2, FILE_CORRUPTED_1, FILE_VERSION_ERROR_1: what a damaged or foreign file gives. */
    private static final Set<Integer> UNREADABLE_FILE_ERRORS = Set.of(90028, 90031, 90030, 90048);

    private final H2Url url;
    private final Jdbc jdbc;
    private final H2Studies studies;
    private final H2Trials trials;
    private final H2Runs runs;
    private final H2Metrics metrics;
    private final H2Validations validations;
    private final JdbcWorkQueue workQueue;

    private StudyStore(H2Url url, Jdbc jdbc) {
        this.url = url;
        this.jdbc = jdbc;
        this.studies = new H2Studies(jdbc, url.url());
        this.trials = new H2Trials(jdbc, studies);
        this.runs = new H2Runs(jdbc, studies, trials);
        this.metrics = new H2Metrics(jdbc, runs);
        this.validations = new H2Validations(jdbc, trials, runs);
        this.workQueue = new JdbcWorkQueue(jdbc);
    }

    /**
     * Opens (creating if needed) the study database at an H2 JDBC URL and migrates its schema.
     * File URLs without {@code AUTO_SERVER} or {@code FILE_LOCK} get {@code ;AUTO_SERVER=TRUE}; the auto-server
     * listens on loopback only ({@code h2.bindAddress=127.0.0.1} unless that property is already set).
     *
     * @throws HeteroloraException (one line) for a non-H2 URL, an unreachable server, a corrupt or non-H2
     *                             file, or a failed migration
     */
    public static StudyStore open(String jdbcUrl) {
        H2Url url = H2Url.parse(jdbcUrl);
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
        Connection connection;
        try {
            connection = DriverManager.getConnection(url.url(), url.user(), url.password());
        } catch (SQLException e) {
            String hint = UNREADABLE_FILE_ERRORS.contains(e.getErrorCode())
                    ? "not a readable H2 2.x database file (corrupt, truncated or written by another program): " : "";
            throw new HeteroloraException("cannot open study database " + url.url() + ": " + hint + SqlErrors.oneLine(e));
        }
        try {
            Flyway.configure(StudyStore.class.getClassLoader())
                    .dataSource(url.url(), url.user(), url.password())
                    .locations("classpath:db/heterolora")
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            closeQuietly(connection);
            throw new HeteroloraException("cannot migrate study database " + url.url() + ": " + migrationReason(e));
        }
        return new StudyStore(url, new Jdbc(connection));
    }

    /** The default database: the H2 file {@code homeDir/studies} (i.e. {@code studies.mv.db}) with auto-server. */
    public static String defaultUrl(Path homeDir) {
        return "jdbc:h2:file:" + homeDir.toAbsolutePath().normalize().resolve("studies") + ";AUTO_SERVER=TRUE";
    }

    /** The URL this store is connected to, without credentials: safe to print. */
    public String url() {
        return url.url();
    }

    /** A SQL console on this database: read-only through the {@code HL_READER} user unless writes are allowed. */
    public SqlConsole console() {
        return new SqlConsole(jdbc, url);
    }

    @Override
    public long createStudy(NewStudy study) {
        return studies.create(study);
    }

    @Override
    public Optional<Study> study(long id) {
        return studies.find(id);
    }

    @Override
    public Study latestStudy() {
        return studies.latestFinished();
    }

    @Override
    public List<Study> studies() {
        return studies.all();
    }

    @Override
    public void setStatus(long studyId, Status status) {
        studies.setStatus(studyId, status);
    }

    @Override
    public long recordTrial(NewTrial trial) {
        return trials.record(trial);
    }

    @Override
    public List<Trial> trials(long studyId) {
        return trials.all(studyId);
    }

    @Override
    public List<Trial> topTrials(long studyId, int n) {
        return trials.top(studyId, n);
    }

    @Override
    public int trialCount(long studyId) {
        return trials.count(studyId);
    }

    @Override
    public void markPareto(long studyId, Collection<Long> trialIds) {
        trials.markPareto(studyId, trialIds);
    }

    @Override
    public long createRun(Long studyId, Long trialId, String kind, String configJson, String outputDir) {
        return runs.create(studyId, trialId, kind, configJson, outputDir);
    }

    @Override
    public void reopenRun(long runId) {
        runs.reopen(runId);
    }

    @Override
    public void finishRun(long runId, Status status, String message) {
        runs.finish(runId, status, message);
    }

    @Override
    public Optional<Run> run(long id) {
        return runs.find(id);
    }

    @Override
    public List<Run> runs(Long studyId) {
        return runs.all(studyId);
    }

    @Override
    public void recordMetrics(long runId, int step, Map<String, Double> values) {
        metrics.record(runId, step, values);
    }

    @Override
    public List<Metric> metrics(long runId) {
        return metrics.all(runId);
    }

    @Override
    public void recordValidation(NewValidation validation) {
        validations.record(validation);
    }

    @Override
    public List<Validation> validations(long runId) {
        return validations.all(runId);
    }

    @Override
    public void recordCorrelation(ValidationCorrelation correlation) {
        validations.recordCorrelation(correlation);
    }

    @Override
    public List<ValidationCorrelation> correlations(long runId) {
        return validations.correlations(runId);
    }

    @Override
    public WorkQueue workQueue() {
        return workQueue;
    }

    /** Closes the connection; an in-memory database disappears with it, a file database stays. */
    @Override
    public void close() {
        jdbc.close();
    }

    private static String migrationReason(FlywayException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return SqlErrors.oneLine(sql);
            }
        }
        // Flyway's first line is often a heading ("Validate failed: ..."), the second says what failed; the rest is advice
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return SqlErrors.oneLine(message.lines().filter(l -> !l.isBlank() && !l.matches("-+"))
                .limit(2).collect(Collectors.joining("; ")));
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the migration failure is the error worth reporting
        }
    }
}
