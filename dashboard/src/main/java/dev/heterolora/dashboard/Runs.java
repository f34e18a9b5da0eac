package dev.heterolora.dashboard;

import static dev.heterolora.dashboard.ReadOnlyDatabase.longOrNull;
import static dev.heterolora.dashboard.ReadOnlyDatabase.instant;
import static dev.heterolora.dashboard.ReadOnlyDatabase.real;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Training, validation and experiment runs: the runs table (paged, optionally of one study or kind), one run with its
 * configuration, plan and checkpoints, its metrics as aligned series by step (read incrementally, so a page that polls
 * a running PPO run fetches only the new steps), and a study's validation runs with their correlations.
 */
final class Runs {
    /** The most metric rows one metrics request returns; a longer run is read in several requests. */
    static final int METRIC_ROWS = 20_000;
    private static final String COLUMNS = "r.id, r.study_id, r.trial_id, r.kind, r.status, r.message, r.created_at, "
            + "r.updated_at, (SELECT MAX(m.step) FROM metric m WHERE m.run_id = r.id) AS last_step";

    private final ReadOnlyDatabase db;
    private final Trials trials;
    private final Plans plans;

    Runs(ReadOnlyDatabase db, Trials trials, Plans plans) {
        this.db = db;
        this.trials = trials;
        this.plans = plans;
    }

    /** A run as the runs tables list it. */
    record RunRow(long id, Long studyId, Long trialId, String kind, String status, String message, Instant createdAt,
                  Instant updatedAt, Long lastStep) {}

    /** A checkpoint or final output a run wrote, as found in its output folder. */
    record Output(String name, String path, Integer step, Instant modified) {}

    /** One run with its configuration, the plan it trained and what it wrote. */
    record RunDetail(RunRow summary, JsonNode config, String outputDir, Plans.Grid plan, List<Output> outputs) {}

    /**
     * Metrics as aligned series: {@code values.get(name).get(i)} is the metric at {@code steps.get(i)} (null where the
     * step has none, or its value was not finite).
     *
     * @param more whether steps after {@code steps}' last remain (ask again with {@code after} = that step)
     */
    record Series(List<Integer> steps, Map<String, List<Double>> values, boolean more) {}

    /** A validation run of a study: the plans it trained and how well each proxy predicted the result. */
    record ValidationRun(long runId, String status, List<Validation> plans, List<ValidationCorrelation> correlations) {}

    /**
     * A page of runs, newest first.
     *
     * @param studyId only this study's runs, or null for all
     * @param kind    only runs of this kind; a kind ending in {@code *} is a prefix (e.g. {@code experiment-*}); or null
     */
    Paging.Page<RunRow> list(Long studyId, String kind, Paging paging) {
        Where where = new Where().and("r.study_id = ?", studyId);
        if (kind != null && kind.endsWith("*")) {
            where.always("r.kind LIKE ? ESCAPE '!'", Where.startingWith(kind.substring(0, kind.length() - 1)));
        } else {
            where.and("r.kind = ?", kind);
        }
        long total = db.number("SELECT COUNT(*) FROM run r" + where.sql(), where.params());
        return paging.page(total, db.list("SELECT " + COLUMNS + " FROM run r" + where.sql()
                + " ORDER BY r.id DESC OFFSET ? ROWS FETCH NEXT ? ROWS ONLY", Runs::row,
                where.params(paging.offset(), paging.limit())));
    }

    /** A run with its plan and outputs, if it exists. */
    Optional<RunDetail> detail(long id) {
        Optional<Run> run = db.run(id);
        Optional<RunRow> row = db.first("SELECT " + COLUMNS + " FROM run r WHERE r.id = ?", Runs::row, id);
        if (run.isEmpty() || row.isEmpty()) {
            return Optional.empty();
        }
        Run r = run.get();
        return Optional.of(new RunDetail(row.get(), JsonText.parse(r.configJson()), r.outputDir(),
                plans.run(r).orElse(null), outputs(r.outputDir())));
    }

    /** The run's metrics at steps after {@code after}, at most {@link #METRIC_ROWS} rows' worth of whole steps. */
    Series metrics(long runId, int after) {
        record Value(int step, String name, double value) {}
        List<Value> rows = db.list("SELECT step, name, val FROM metric WHERE run_id = ? AND step > ? ORDER BY step, name "
                + "FETCH FIRST ? ROWS ONLY", rs -> new Value(rs.getInt("step"), rs.getString("name"), real(rs, "val")),
                runId, after, METRIC_ROWS + 1);
        boolean more = rows.size() > METRIC_ROWS;
        if (more) {
            int partial = rows.get(rows.size() - 1).step();
            rows = rows.stream().filter(v -> v.step() != partial).toList();
        }
        List<Integer> steps = rows.stream().map(Value::step).distinct().toList();
        Map<Integer, Integer> index = new LinkedHashMap<>();
        steps.forEach(s -> index.put(s, index.size()));
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (String name : new TreeSet<>(rows.stream().map(Value::name).toList())) {
            values.put(name, Arrays.asList(new Double[steps.size()]));
        }
        for (Value v : rows) {
            values.get(v.name()).set(index.get(v.step()), Double.isFinite(v.value()) ? v.value() : null);
        }
        return new Series(steps, values, more);
    }

    /** A study's runs that validated proxies, with their plans and correlations. */
    List<ValidationRun> validations(long studyId) {
        record Validated(long id, String status) {}
        List<ValidationRun> out = new ArrayList<>();
        for (Validated run : db.list("SELECT id, status FROM run r WHERE study_id = ? AND EXISTS (SELECT 1 FROM "
                + "validation v WHERE v.run_id = r.id) ORDER BY id", rs -> new Validated(rs.getLong("id"),
                rs.getString("status")), studyId)) {
            out.add(new ValidationRun(run.id(), run.status(), validated(run.id()), correlations(run.id())));
        }
        return out;
    }

    /**
     * The plans a validation run trained, in the order recorded, each with its trial's proxy scores overlaid with
     * the scores recorded for the validation (as the store reads them).
     */
    private List<Validation> validated(long runId) {
        record Stored(Long trialId, String label, String planJson, long params, double loss, double accuracy,
                      double seconds, Instant createdAt) {}
        List<Stored> rows = db.list("SELECT trial_id, label, plan_json, params, trained_loss, oracle_accuracy, seconds, "
                + "created_at FROM validation WHERE run_id = ? ORDER BY created_at, label", rs -> new Stored(
                longOrNull(rs, "trial_id"), rs.getString("label"), rs.getString("plan_json"), rs.getLong("params"),
                real(rs, "trained_loss"), real(rs, "oracle_accuracy"), real(rs, "seconds"), instant(rs, "created_at")),
                runId);
        Map<Long, Map<String, Double>> trialScores = trials.scores(rows.stream().map(Stored::trialId)
                .filter(Objects::nonNull).distinct().toList());
        Map<String, Map<String, Double>> own = new HashMap<>();
        record Score(String label, String proxy, double score) {}
        for (Score s : db.list("SELECT label, proxy, score FROM validation_score WHERE run_id = ?", rs -> new Score(
                rs.getString("label"), rs.getString("proxy"), real(rs, "score")), runId)) {
            own.computeIfAbsent(s.label(), k -> new HashMap<>()).put(s.proxy(), s.score());
        }
        return rows.stream().map(v -> {
            Map<String, Double> scores = new HashMap<>(v.trialId() == null ? Map.of()
                    : trialScores.getOrDefault(v.trialId(), Map.of()));
            scores.putAll(own.getOrDefault(v.label(), Map.of()));
            return new Validation(runId, v.trialId(), v.label(), v.planJson(), v.params(), v.loss(), v.accuracy(),
                    v.seconds(), scores, v.createdAt());
        }).toList();
    }

    private List<ValidationCorrelation> correlations(long runId) {
        return db.list("SELECT proxy, target, spearman, kendall, spearman_low, spearman_high, kendall_low, kendall_high, "
                + "regret, n FROM validation_correlation WHERE run_id = ? ORDER BY target, proxy", rs ->
                new ValidationCorrelation(runId, rs.getString("proxy"), rs.getString("target"), real(rs, "spearman"),
                        real(rs, "kendall"), real(rs, "spearman_low"), real(rs, "spearman_high"),
                        real(rs, "kendall_low"), real(rs, "kendall_high"), real(rs, "regret"), rs.getInt("n")), runId);
    }

    private static RunRow row(ResultSet rs) throws SQLException {
        return new RunRow(rs.getLong("id"), longOrNull(rs, "study_id"), longOrNull(rs, "trial_id"), rs.getString("kind"),
                rs.getString("status"), rs.getString("message"), instant(rs, "created_at"), instant(rs, "updated_at"),
                longOrNull(rs, "last_step"));
    }

    /**
     * The PPO checkpoint ({@code checkpoint/}, with the step in its {@code step.txt}) and the final adapters
     * ({@code adapter_config.json}) in a run's output folder; nothing else of the file system is read.
     */
    static List<Output> outputs(String outputDir) {
        if (outputDir == null || outputDir.isBlank()) {
            return List.of();
        }
        List<Output> out = new ArrayList<>();
        try {
            Path dir = Path.of(outputDir);
            Path checkpoint = dir.resolve("checkpoint");
            if (Files.isDirectory(checkpoint)) {
                out.add(new Output("checkpoint", checkpoint.toString(), step(checkpoint.resolve("step.txt")),
                        Files.getLastModifiedTime(checkpoint).toInstant()));
            }
            Path adapters = dir.resolve("adapter_config.json");
            if (Files.isRegularFile(adapters)) {
                out.add(new Output("final adapters", dir.toString(), null,
                        Files.getLastModifiedTime(adapters).toInstant()));
            }
        } catch (IOException | InvalidPathException e) {
            // an output folder that moved or cannot be read simply shows no outputs
        }
        return out;
    }

    private static Integer step(Path file) {
        try {
            return Integer.valueOf(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
