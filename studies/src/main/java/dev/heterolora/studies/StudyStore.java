package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The H2 {@link StudyStorage}: one H2 database (a file under the data directory by default, the H2 server of that
 * directory while one runs, or any H2 URL: file, {@code tcp://} server, in-memory; see {@link StudyDatabase}) that
 * the search, the trainer, reports and the SQL console all share. It composes one part per concern (studies, trials,
 * runs, metrics, validations) over the same {@link Jdbc} connection, and the {@link WorkQueue} over it.
 *
 * <p>Non-finite numbers are stored as SQL NULL rather than as H2 DOUBLE NaN or infinities: H2 2.5 fails
 * {@code AVG} and {@code SUM} over a column holding them ("Data conversion error converting NaN"), which would
 * break users' queries; NULL is what SQL aggregates skip.
 *
 * <p>One JDBC connection per store; its operations take turns on it (see {@link Jdbc}), so any thread may call.
 */
public final class StudyStore implements StudyStorage {
    private final StudyDatabase database;
    private final Jdbc jdbc;
    private final H2Studies studies;
    private final H2Trials trials;
    private final H2Runs runs;
    private final H2Metrics metrics;
    private final H2Validations validations;
    private final JdbcWorkQueue workQueue;

    /** A store on {@code jdbc}, an admin connection to {@code database} (see {@link StudyDatabase#open()}). */
    StudyStore(StudyDatabase database, Jdbc jdbc) {
        this.database = database;
        this.jdbc = jdbc;
        this.studies = new H2Studies(jdbc, database.url());
        this.trials = new H2Trials(jdbc, studies);
        this.runs = new H2Runs(jdbc, studies, trials);
        this.metrics = new H2Metrics(jdbc, runs);
        this.validations = new H2Validations(jdbc, trials, runs);
        this.workQueue = new JdbcWorkQueue(jdbc);
    }

    /**
     * Opens (creating if needed) the study database at a JDBC URL and migrates its schema: {@code
     * StudyDatabase.at(jdbcUrl).open()}.
     *
     * @throws HeteroloraException (one line) for an unsupported URL, an unreachable server, a corrupt or non-H2
     *                             file, or a failed migration
     */
    public static StudyStore open(String jdbcUrl) {
        return StudyDatabase.at(jdbcUrl).open();
    }

    /** The embedded database file of a data directory: the H2 file {@code homeDir/studies} ({@code studies.mv.db}). */
    public static String defaultUrl(Path homeDir) {
        return StudyDatabase.fileUrl(homeDir);
    }

    /** The URL this store is connected to, without credentials: safe to print. */
    public String url() {
        return database.url();
    }

    /** A SQL console on this database: read-only through the {@code HL_READER} user unless writes are allowed. */
    public SqlConsole console() {
        return new SqlConsole(jdbc, database::readerConnection);
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
    public Optional<Study> studyNamed(String name) {
        return studies.named(name);
    }

    @Override
    public void deleteStudy(long id) {
        studies.delete(id);
    }

    @Override
    public void heartbeatStudy(long studyId) {
        studies.heartbeat(studyId);
    }

    @Override
    public void heartbeatRun(long runId) {
        runs.heartbeat(runId);
    }

    @Override
    public int failStale(Duration grace) {
        return studies.failStale(grace);
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
    public void recordTrials(List<NewTrial> batch) {
        trials.recordAll(batch);
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
}
