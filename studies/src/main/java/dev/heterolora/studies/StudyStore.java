package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The one place that reads and writes studies, trials, runs and metrics, so the search, the trainer, reports
 * and the SQL console all see the same H2 database (a file under the home directory by default, or any H2
 * URL: file, {@code tcp://} server, in-memory).
 *
 * <p>Opening migrates the schema with Flyway ({@code classpath:db/heterolora}). File databases are opened with
 * {@code AUTO_SERVER=TRUE}: the first process serves the file on a loopback port written to its
 * {@code .lock.db}, later processes connect through it, so {@code heterolora sql} can read a study while a
 * search is still writing it. Every write commits before the method returns.
 *
 * <p>Non-finite numbers (NaN, infinities) in fitness, proxy scores and metric values are stored as SQL NULL
 * and read back as NaN. Storing them as H2 DOUBLE values would be possible, but H2 2.5 then fails
 * {@code AVG} and {@code SUM} over the whole column ("Data conversion error converting NaN"), which would
 * break users' queries; NULL is what SQL aggregates skip.
 *
 * <p>One JDBC connection per store, used by one thread at a time (methods are synchronized).
 */
public final class StudyStore implements AutoCloseable {
    private static final String STUDY_COLUMNS = "id, name, created_at, updated_at, seed, strategy, budget_text, "
            + "budget_limit, base_params, model_path, model_hash, config_json, search_space_json, status, best_trial_id";
    private static final String TRIAL_COLUMNS =
            "id, study_id, seq, generation, plan_json, params, feasible, fitness, pareto, seconds, created_at";
    private static final String RUN_COLUMNS =
            "id, study_id, trial_id, kind, config_json, status, message, created_at, updated_at, output_dir";
    /** Feasible trials with a finite fitness, best first; NaN sorts above +Infinity in H2, BETWEEN drops both. */
    private static final String RANKED_TRIALS = "SELECT " + TRIAL_COLUMNS + " FROM trial WHERE study_id = ? AND feasible"
            + " AND fitness BETWEEN -1.7976931348623157E308 AND 1.7976931348623157E308 ORDER BY fitness DESC, seq";

    /** H2's IO_EXCEPTION_1, IO_EXCEPTION_2, FILE_CORRUPTED_1, FILE_VERSION_ERROR_1: what a damaged or foreign file gives. */
    private static final Set<Integer> UNREADABLE_FILE_ERRORS = Set.of(90028, 90031, 90030, 90048);

    private final H2Url url;
    private final Connection connection;

    private StudyStore(H2Url url, Connection connection) {
        this.url = url;
        this.connection = connection;
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
        return new StudyStore(url, connection);
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
        return new SqlConsole(this, url);
    }

    /** Records a new study with status {@code running} and returns its id. */
    public synchronized long createStudy(NewStudy s) {
        return call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO study (name, seed, strategy, budget_text, "
                    + "budget_limit, base_params, model_path, model_hash, config_json, search_space_json) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new String[] {"ID"})) {
                ps.setString(1, s.name());
                ps.setLong(2, s.seed());
                ps.setString(3, s.strategy());
                ps.setString(4, s.budgetText());
                ps.setLong(5, s.budgetLimit());
                ps.setLong(6, s.baseParams());
                ps.setString(7, s.modelPath());
                ps.setString(8, s.modelHash());
                ps.setString(9, s.configJson());
                ps.setString(10, s.searchSpaceJson());
                ps.executeUpdate();
                return generatedId(ps);
            }
        });
    }

    /** The study with this id, if any. */
    public synchronized Optional<Study> study(long id) {
        return call(c -> queryOne(c, "SELECT " + STUDY_COLUMNS + " FROM study WHERE id = ?", StudyStore::readStudy, id));
    }

    /** The most recently created study; a one-line error if there is none yet. */
    public synchronized Study latestStudy() {
        return call(c -> queryOne(c, "SELECT " + STUDY_COLUMNS + " FROM study ORDER BY id DESC LIMIT 1",
                StudyStore::readStudy))
                .orElseThrow(() -> new HeteroloraException("no study in " + url.url() + " yet"));
    }

    /** All studies, oldest first. */
    public synchronized List<Study> studies() {
        return call(c -> queryList(c, "SELECT " + STUDY_COLUMNS + " FROM study ORDER BY id", StudyStore::readStudy));
    }

    /** Sets a study's status, one of {@link Study#STATUSES}. */
    public synchronized void setStatus(long studyId, String status) {
        if (!Study.STATUSES.contains(status)) {
            throw new HeteroloraException("unknown study status '" + status + "' (expected one of "
                    + String.join(", ", Study.STATUSES) + ")");
        }
        int updated = call(c -> update(c, "UPDATE study SET status = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                status, studyId));
        if (updated == 0) {
            throw noStudy(studyId);
        }
    }

    /**
     * Records a trial and its proxy scores in one transaction, committed before returning (a crash loses at
     * most the trial in flight), and keeps {@code study.best_trial_id} pointing at the study's best trial.
     *
     * @return the trial's id
     */
    public synchronized long recordTrial(NewTrial t) {
        return transaction(c -> {
            requireStudy(c, t.studyId());
            long id;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO trial (study_id, seq, generation, plan_json, "
                    + "params, feasible, fitness, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new String[] {"ID"})) {
                ps.setLong(1, t.studyId());
                ps.setInt(2, t.seq());
                ps.setInt(3, t.generation());
                ps.setString(4, t.planJson());
                ps.setLong(5, t.params());
                ps.setBoolean(6, t.feasible());
                setFinite(ps, 7, t.fitness());
                ps.setDouble(8, t.seconds());
                ps.executeUpdate();
                id = generatedId(ps);
            } catch (SQLException e) {
                if (duplicateTrial(c, t)) {
                    throw new HeteroloraException("study " + t.studyId() + " already has a trial with seq " + t.seq());
                }
                throw e;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO proxy_score (trial_id, proxy, score) VALUES (?, ?, ?)")) {
                for (Map.Entry<String, Double> score : t.proxyScores().entrySet()) {
                    ps.setLong(1, id);
                    ps.setString(2, score.getKey());
                    setFinite(ps, 3, score.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            update(c, "UPDATE study SET updated_at = CURRENT_TIMESTAMP, best_trial_id = (SELECT id FROM ("
                    + RANKED_TRIALS + " LIMIT 1)) WHERE id = ?", t.studyId(), t.studyId());
            return id;
        });
    }

    /** All trials of a study in order of evaluation (seq). */
    public synchronized List<Trial> trials(long studyId) {
        return call(c -> trials(c, "SELECT " + TRIAL_COLUMNS + " FROM trial WHERE study_id = ? ORDER BY seq", studyId));
    }

    /** The feasible trial with the highest finite fitness (ties: lowest seq), if any. */
    public synchronized Optional<Trial> bestTrial(long studyId) {
        return topTrials(studyId, 1).stream().findFirst();
    }

    /** Up to {@code n} feasible trials with finite fitness, highest fitness first (ties: lowest seq). */
    public synchronized List<Trial> topTrials(long studyId, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        return call(c -> trials(c, RANKED_TRIALS + " LIMIT ?", studyId, n));
    }

    /** How many trials a study has. */
    public synchronized int trialCount(long studyId) {
        return call(c -> queryOne(c, "SELECT COUNT(*) FROM trial WHERE study_id = ?", rs -> rs.getInt(1), studyId))
                .orElseThrow();
    }

    /**
     * Makes exactly these trials the study's Pareto front: they get {@code pareto = TRUE}, every other trial
     * of the study {@code FALSE}. All ids must be trials of this study.
     */
    public synchronized void markPareto(long studyId, Collection<Long> trialIds) {
        Set<Long> ids = new LinkedHashSet<>(trialIds);
        transaction(c -> {
            requireStudy(c, studyId);
            Array idArray = c.createArrayOf("BIGINT", ids.toArray());
            int found = queryOne(c, "SELECT COUNT(*) FROM trial WHERE study_id = ? AND id = ANY(?)",
                    rs -> rs.getInt(1), studyId, idArray).orElseThrow();
            if (found != ids.size()) {
                throw new HeteroloraException("not all of trials " + ids + " belong to study " + studyId);
            }
            return update(c, "UPDATE trial SET pareto = (id = ANY(?)) WHERE study_id = ?", idArray, studyId);
        });
    }

    /**
     * Records a new run with status {@code running}.
     *
     * @param studyId   the study it belongs to, or {@code null}
     * @param trialId   the trial whose plan it trains, or {@code null}; must belong to {@code studyId} if both are given
     * @param kind      e.g. {@code ppo}, {@code sft}, {@code validate}
     * @param configJson the run's configuration as JSON; {@code null} is stored as {@code {}}
     * @param outputDir where it writes its files, or {@code null}
     * @return the run's id
     */
    public synchronized long createRun(Long studyId, Long trialId, String kind, String configJson, String outputDir) {
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("kind must not be blank");
        }
        return transaction(c -> {
            if (studyId != null) {
                requireStudy(c, studyId);
            }
            if (trialId != null) {
                Long owner = queryOne(c, "SELECT study_id FROM trial WHERE id = ?", rs -> rs.getLong(1), trialId)
                        .orElseThrow(() -> new HeteroloraException("no trial with id " + trialId));
                if (studyId != null && owner.longValue() != studyId) {
                    throw new HeteroloraException("trial " + trialId + " belongs to study " + owner + ", not " + studyId);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run (study_id, trial_id, kind, config_json, "
                    + "output_dir) VALUES (?, ?, ?, ?, ?)", new String[] {"ID"})) {
                bind(ps, studyId, trialId, kind, configJson == null ? "{}" : configJson, outputDir);
                ps.executeUpdate();
                return generatedId(ps);
            }
        });
    }

    /**
     * Records the metrics of one step of a run in one transaction; recording the same step and name again
     * replaces the value (so a resumed run can rewrite a step). Non-finite values are stored as NULL.
     */
    public synchronized void recordMetrics(long runId, int step, Map<String, Double> values) {
        transaction(c -> {
            if (update(c, "UPDATE run SET updated_at = CURRENT_TIMESTAMP WHERE id = ?", runId) == 0) {
                throw noRun(runId);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "MERGE INTO metric (run_id, step, name, val) KEY (run_id, step, name) VALUES (?, ?, ?, ?)")) {
                for (Map.Entry<String, Double> value : new TreeMap<>(values).entrySet()) {
                    ps.setLong(1, runId);
                    ps.setInt(2, step);
                    ps.setString(3, value.getKey());
                    setFinite(ps, 4, value.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Ends a run with status {@code finished} or {@code failed} and an optional one-line message. */
    /** Marks a failed or interrupted run as running again (it is being resumed from its checkpoint). */
    public synchronized void reopenRun(long runId) {
        int updated = call(c -> update(c, "UPDATE run SET status = 'running', message = NULL, updated_at = "
                + "CURRENT_TIMESTAMP WHERE id = ?", runId));
        if (updated == 0) {
            throw noRun(runId);
        }
    }

    public synchronized void finishRun(long runId, String status, String message) {
        if (!status.equals("finished") && !status.equals("failed")) {
            throw new HeteroloraException("a run finishes as 'finished' or 'failed', not '" + status + "'");
        }
        int updated = call(c -> update(c, "UPDATE run SET status = ?, message = ?, updated_at = CURRENT_TIMESTAMP "
                + "WHERE id = ?", status, message, runId));
        if (updated == 0) {
            throw noRun(runId);
        }
    }

    /** All metrics of a run, by step, then name. */
    public synchronized List<Metric> metrics(long runId) {
        return call(c -> queryList(c, "SELECT run_id, step, name, val FROM metric WHERE run_id = ? ORDER BY step, name",
                rs -> new Metric(rs.getLong(1), rs.getInt(2), rs.getString(3), finiteOrNaN(rs, 4)), runId));
    }

    /** The run with this id, if any. */
    public synchronized Optional<Run> run(long id) {
        return call(c -> queryOne(c, "SELECT " + RUN_COLUMNS + " FROM run WHERE id = ?", StudyStore::readRun, id));
    }

    /** The runs of a study, or all runs if {@code studyId} is {@code null}; oldest first. */
    public synchronized List<Run> runs(Long studyId) {
        return call(c -> studyId == null
                ? queryList(c, "SELECT " + RUN_COLUMNS + " FROM run ORDER BY id", StudyStore::readRun)
                : queryList(c, "SELECT " + RUN_COLUMNS + " FROM run WHERE study_id = ? ORDER BY id", StudyStore::readRun,
                        studyId));
    }

    /**
     * Records one plan a validation run trained, with the proxy scores given for it, in one transaction.
     * Recording the same (run, label) again replaces the row and its scores, so an interrupted validation can
     * resume. The trial, if given, must exist and belong to the run's study (when the run has one).
     */
    public synchronized void recordValidation(NewValidation v) {
        transaction(c -> {
            Long runStudy = queryOne(c, "SELECT study_id FROM run WHERE id = ?", rs -> nullableLong(rs, "study_id"),
                    v.runId()).orElseThrow(() -> noRun(v.runId()));
            if (v.trialId() != null) {
                Long owner = queryOne(c, "SELECT study_id FROM trial WHERE id = ?", rs -> rs.getLong(1), v.trialId())
                        .orElseThrow(() -> new HeteroloraException("no trial with id " + v.trialId()));
                if (runStudy != null && owner.longValue() != runStudy) {
                    throw new HeteroloraException("trial " + v.trialId() + " belongs to study " + owner
                            + ", not to study " + runStudy + " of run " + v.runId());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO validation (run_id, label, trial_id, plan_json, "
                    + "params, trained_loss, oracle_accuracy, seconds) KEY (run_id, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, v.runId());
                ps.setString(2, v.label());
                ps.setObject(3, v.trialId());
                ps.setString(4, v.planJson());
                ps.setLong(5, v.params());
                setFinite(ps, 6, v.trainedLoss());
                setFinite(ps, 7, v.oracleAccuracy());
                ps.setDouble(8, v.seconds());
                ps.executeUpdate();
            }
            update(c, "DELETE FROM validation_score WHERE run_id = ? AND label = ?", v.runId(), v.label());
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO validation_score (run_id, label, proxy, score) VALUES (?, ?, ?, ?)")) {
                for (Map.Entry<String, Double> score : v.proxyScores().entrySet()) {
                    ps.setLong(1, v.runId());
                    ps.setString(2, v.label());
                    ps.setString(3, score.getKey());
                    setFinite(ps, 4, score.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            update(c, "UPDATE run SET updated_at = CURRENT_TIMESTAMP WHERE id = ?", v.runId());
            return null;
        });
    }

    /**
     * The plans a validation run trained, in the order they were first recorded (then by label), each with its
     * trial's proxy scores overlaid with the scores recorded for the validation.
     */
    public synchronized List<Validation> validations(long runId) {
        return call(c -> {
            record Row(long runId, Long trialId, String label, String planJson, long params, double trainedLoss,
                       double oracleAccuracy, double seconds, Instant createdAt) {}
            List<Row> rows = queryList(c, "SELECT run_id, label, trial_id, plan_json, params, trained_loss, "
                    + "oracle_accuracy, seconds, created_at FROM validation WHERE run_id = ? ORDER BY created_at, label",
                    rs -> new Row(rs.getLong("run_id"), nullableLong(rs, "trial_id"), rs.getString("label"),
                            rs.getString("plan_json"), rs.getLong("params"), finiteOrNaN(rs, rs.findColumn("trained_loss")),
                            finiteOrNaN(rs, rs.findColumn("oracle_accuracy")), rs.getDouble("seconds"),
                            instant(rs, "created_at")), runId);
            record Score(String owner, String proxy, double score) {}
            Map<String, Map<String, Double>> trialScores = new HashMap<>();
            for (Score s : queryList(c, "SELECT p.trial_id, p.proxy, p.score FROM proxy_score p WHERE p.trial_id IN "
                    + "(SELECT trial_id FROM validation WHERE run_id = ?)",
                    rs -> new Score(rs.getString(1), rs.getString(2), finiteOrNaN(rs, 3)), runId)) {
                trialScores.computeIfAbsent(s.owner(), k -> new TreeMap<>()).put(s.proxy(), s.score());
            }
            Map<String, Map<String, Double>> ownScores = new HashMap<>();
            for (Score s : queryList(c, "SELECT label, proxy, score FROM validation_score WHERE run_id = ?",
                    rs -> new Score(rs.getString(1), rs.getString(2), finiteOrNaN(rs, 3)), runId)) {
                ownScores.computeIfAbsent(s.owner(), k -> new TreeMap<>()).put(s.proxy(), s.score());
            }
            List<Validation> out = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Double> scores = new TreeMap<>(r.trialId() == null ? Map.of()
                        : trialScores.getOrDefault(String.valueOf(r.trialId()), Map.of()));
                scores.putAll(ownScores.getOrDefault(r.label(), Map.of()));
                out.add(new Validation(r.runId(), r.trialId(), r.label(), r.planJson(), r.params(), r.trainedLoss(),
                        r.oracleAccuracy(), r.seconds(), scores, r.createdAt()));
            }
            return out;
        });
    }

    /**
     * Records how well one proxy predicted one target over a validation run's plans; recording the same
     * (run, proxy, target) again replaces it. Non-finite statistics are stored as NULL.
     */
    public synchronized void recordCorrelation(ValidationCorrelation r) {
        transaction(c -> {
            if (update(c, "UPDATE run SET updated_at = CURRENT_TIMESTAMP WHERE id = ?", r.runId()) == 0) {
                throw noRun(r.runId());
            }
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO validation_correlation (run_id, proxy, target, "
                    + "spearman, kendall, spearman_low, spearman_high, kendall_low, kendall_high, regret, n) "
                    + "KEY (run_id, proxy, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, r.runId());
                ps.setString(2, r.proxy());
                ps.setString(3, r.target());
                double[] stats = {r.spearman(), r.kendall(), r.spearmanLow(), r.spearmanHigh(), r.kendallLow(),
                    r.kendallHigh(), r.regret()};
                for (int i = 0; i < stats.length; i++) {
                    setFinite(ps, 4 + i, stats[i]);
                }
                ps.setInt(11, r.n());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The correlations recorded for a validation run, by target, then proxy. */
    public synchronized List<ValidationCorrelation> correlations(long runId) {
        return call(c -> queryList(c, "SELECT run_id, proxy, target, spearman, kendall, spearman_low, spearman_high, "
                + "kendall_low, kendall_high, regret, n FROM validation_correlation WHERE run_id = ? ORDER BY target, proxy",
                rs -> new ValidationCorrelation(rs.getLong(1), rs.getString(2), rs.getString(3), finiteOrNaN(rs, 4),
                        finiteOrNaN(rs, 5), finiteOrNaN(rs, 6), finiteOrNaN(rs, 7), finiteOrNaN(rs, 8),
                        finiteOrNaN(rs, 9), finiteOrNaN(rs, 10), rs.getInt(11)), runId));
    }

    /** Closes the connection; an in-memory database disappears with it, a file database stays. */
    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw SqlErrors.sqlError(e);
        }
    }

    /** Runs {@code work} on the store's own (admin) connection, for the console's write mode. */
    synchronized <T> T withConnection(SqlWork<T> work) throws SQLException {
        return work.run(connection);
    }

    /** A unit of JDBC work on a connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        /** Does the work. */
        T run(Connection c) throws SQLException;
    }

    /** Maps the current row of a result set to a value. */
    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T call(SqlWork<T> work) {
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw SqlErrors.sqlError(e);
        }
    }

    private <T> T transaction(SqlWork<T> work) {
        return call(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }

    private static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    private static <T> List<T> queryList(Connection c, String sql, RowReader<T> reader, Object... params)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(reader.read(rs));
                }
                return out;
            }
        }
    }

    private static <T> Optional<T> queryOne(Connection c, String sql, RowReader<T> reader, Object... params)
            throws SQLException {
        return queryList(c, sql, reader, params).stream().findFirst();
    }

    private static long generatedId(PreparedStatement ps) throws SQLException {
        try (ResultSet keys = ps.getGeneratedKeys()) {
            keys.next();
            return keys.getLong(1);
        }
    }

    private static void requireStudy(Connection c, long studyId) throws SQLException {
        if (queryOne(c, "SELECT id FROM study WHERE id = ?", rs -> rs.getLong(1), studyId).isEmpty()) {
            throw noStudy(studyId);
        }
    }

    private static boolean duplicateTrial(Connection c, NewTrial t) throws SQLException {
        return queryOne(c, "SELECT id FROM trial WHERE study_id = ? AND seq = ?", rs -> rs.getLong(1),
                t.studyId(), t.seq()).isPresent();
    }

    private static HeteroloraException noStudy(long studyId) {
        return new HeteroloraException("no study with id " + studyId);
    }

    private static HeteroloraException noRun(long runId) {
        return new HeteroloraException("no run with id " + runId);
    }

    private static void setFinite(PreparedStatement ps, int index, double value) throws SQLException {
        if (Double.isFinite(value)) {
            ps.setDouble(index, value);
        } else {
            ps.setNull(index, Types.DOUBLE);
        }
    }

    private static double finiteOrNaN(ResultSet rs, int index) throws SQLException {
        double value = rs.getDouble(index);
        return rs.wasNull() ? Double.NaN : value;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static Study readStudy(ResultSet rs) throws SQLException {
        return new Study(rs.getLong("id"), rs.getString("name"), instant(rs, "created_at"), instant(rs, "updated_at"),
                rs.getLong("seed"), rs.getString("strategy"), rs.getString("budget_text"), rs.getLong("budget_limit"),
                rs.getLong("base_params"), rs.getString("model_path"), rs.getString("model_hash"),
                rs.getString("config_json"), rs.getString("search_space_json"), rs.getString("status"),
                nullableLong(rs, "best_trial_id"));
    }

    private static Run readRun(ResultSet rs) throws SQLException {
        return new Run(rs.getLong("id"), nullableLong(rs, "study_id"), nullableLong(rs, "trial_id"),
                rs.getString("kind"), rs.getString("config_json"), rs.getString("status"), rs.getString("message"),
                instant(rs, "created_at"), instant(rs, "updated_at"), rs.getString("output_dir"));
    }

    /** Reads trial rows (selected with {@link #TRIAL_COLUMNS}) and attaches their proxy scores. */
    private static List<Trial> trials(Connection c, String sql, Object... params) throws SQLException {
        record Row(long id, long studyId, int seq, int generation, String planJson, long params, boolean feasible,
                   double fitness, boolean pareto, double seconds, Instant createdAt) {}
        List<Row> rows = queryList(c, sql, rs -> new Row(rs.getLong("id"), rs.getLong("study_id"), rs.getInt("seq"),
                rs.getInt("generation"), rs.getString("plan_json"), rs.getLong("params"), rs.getBoolean("feasible"),
                finiteOrNaN(rs, rs.findColumn("fitness")), rs.getBoolean("pareto"), rs.getDouble("seconds"),
                instant(rs, "created_at")), params);
        Map<Long, Map<String, Double>> scores = new HashMap<>();
        if (!rows.isEmpty()) {
            Array ids = c.createArrayOf("BIGINT", rows.stream().map(Row::id).toArray());
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT trial_id, proxy, score FROM proxy_score WHERE trial_id = ANY(?)")) {
                ps.setArray(1, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        scores.computeIfAbsent(rs.getLong(1), k -> new TreeMap<>()).put(rs.getString(2), finiteOrNaN(rs, 3));
                    }
                }
            }
        }
        return rows.stream().map(r -> new Trial(r.id(), r.studyId(), r.seq(), r.generation(), r.planJson(), r.params(),
                r.feasible(), r.fitness(), scores.getOrDefault(r.id(), Map.of()), r.pareto(), r.seconds(),
                r.createdAt())).toList();
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
