package dev.heterolora.studies;

import static dev.heterolora.studies.Jdbc.doubleOrNaN;
import static dev.heterolora.studies.Jdbc.instant;
import static dev.heterolora.studies.Jdbc.nullableLong;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code validation}, {@code validation_score} and {@code validation_correlation} tables (migration V2): the
 * proxy-validation part of {@link StudyStore}.
 */
final class H2Validations {
    private final Jdbc jdbc;
    private final H2Trials trials;
    private final H2Runs runs;

    H2Validations(Jdbc jdbc, H2Trials trials, H2Runs runs) {
        this.jdbc = jdbc;
        this.trials = trials;
        this.runs = runs;
    }

    void record(NewValidation v) {
        jdbc.transaction(() -> {
            runs.touch(v.runId());
            if (v.trialId() != null) {
                trials.requireIn(v.trialId(), runs.find(v.runId()).orElseThrow().studyId());
            }
            jdbc.update(jdbc.vendor().upsert("validation", List.of("run_id", "label"), List.of("run_id", "label",
                    "trial_id", "plan_json", "params", "trained_loss", "oracle_accuracy", "seconds")), v.runId(),
                    v.label(), v.trialId(), v.planJson(), v.params(), v.trainedLoss(), v.oracleAccuracy(), v.seconds());
            jdbc.update("DELETE FROM validation_score WHERE run_id = ? AND label = ?", v.runId(), v.label());
            jdbc.batch("INSERT INTO validation_score (run_id, label, proxy, score) VALUES (?, ?, ?, ?)",
                    v.proxyScores().entrySet().stream()
                            .<List<?>>map(s -> List.of(v.runId(), v.label(), s.getKey(), s.getValue())).toList());
        });
    }

    /**
     * The plans a validation run trained, in the order they were first recorded (then by label), each with its
     * trial's proxy scores overlaid with the scores recorded for the validation.
     */
    List<Validation> all(long runId) {
        record Row(long runId, Long trialId, String label, String planJson, long params, double trainedLoss,
                   double oracleAccuracy, double seconds, Instant createdAt) {}
        List<Row> rows = jdbc.list("SELECT run_id, label, trial_id, plan_json, params, trained_loss, oracle_accuracy, "
                + "seconds, created_at FROM validation WHERE run_id = ? ORDER BY created_at, label",
                rs -> new Row(rs.getLong("run_id"), nullableLong(rs, "trial_id"), rs.getString("label"),
                        rs.getString("plan_json"), rs.getLong("params"), doubleOrNaN(rs, "trained_loss"),
                        doubleOrNaN(rs, "oracle_accuracy"), rs.getDouble("seconds"), instant(rs, "created_at")), runId);
        Map<String, Map<String, Double>> trialScores = scoresByOwner("SELECT trial_id AS owner, proxy, score "
                + "FROM proxy_score WHERE trial_id IN (SELECT trial_id FROM validation WHERE run_id = ?)", runId);
        Map<String, Map<String, Double>> ownScores = scoresByOwner("SELECT label AS owner, proxy, score "
                + "FROM validation_score WHERE run_id = ?", runId);
        List<Validation> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Double> scores = new TreeMap<>(r.trialId() == null ? Map.of()
                    : trialScores.getOrDefault(String.valueOf(r.trialId()), Map.of()));
            scores.putAll(ownScores.getOrDefault(r.label(), Map.of()));
            out.add(new Validation(r.runId(), r.trialId(), r.label(), r.planJson(), r.params(), r.trainedLoss(),
                    r.oracleAccuracy(), r.seconds(), scores, r.createdAt()));
        }
        return out;
    }

    void recordCorrelation(ValidationCorrelation r) {
        jdbc.transaction(() -> {
            runs.touch(r.runId());
            jdbc.update(jdbc.vendor().upsert("validation_correlation", List.of("run_id", "proxy", "target"),
                    List.of("run_id", "proxy", "target", "spearman", "kendall", "spearman_low", "spearman_high",
                            "kendall_low", "kendall_high", "regret", "n")), r.runId(), r.proxy(), r.target(), r.spearman(),
                    r.kendall(), r.spearmanLow(), r.spearmanHigh(), r.kendallLow(), r.kendallHigh(), r.regret(), r.n());
        });
    }

    /** The correlations recorded for a validation run, by target, then proxy. */
    List<ValidationCorrelation> correlations(long runId) {
        return jdbc.list("SELECT run_id, proxy, target, spearman, kendall, spearman_low, spearman_high, kendall_low, "
                + "kendall_high, regret, n FROM validation_correlation WHERE run_id = ? ORDER BY target, proxy",
                rs -> new ValidationCorrelation(rs.getLong("run_id"), rs.getString("proxy"), rs.getString("target"),
                        doubleOrNaN(rs, "spearman"), doubleOrNaN(rs, "kendall"), doubleOrNaN(rs, "spearman_low"),
                        doubleOrNaN(rs, "spearman_high"), doubleOrNaN(rs, "kendall_low"),
                        doubleOrNaN(rs, "kendall_high"), doubleOrNaN(rs, "regret"), rs.getInt("n")), runId);
    }

    /** Proxy scores by owner (the first column, as text), then proxy name; NaN where a score is NULL. */
    private Map<String, Map<String, Double>> scoresByOwner(String sql, long runId) {
        record Score(String owner, String proxy, double score) {}
        Map<String, Map<String, Double>> out = new HashMap<>();
        for (Score s : jdbc.list(sql, rs -> new Score(rs.getString("owner"), rs.getString("proxy"),
                doubleOrNaN(rs, "score")), runId)) {
            out.computeIfAbsent(s.owner(), k -> new TreeMap<>()).put(s.proxy(), s.score());
        }
        return out;
    }
}
