package dev.heterolora.studies;

import static dev.heterolora.studies.Jdbc.doubleOrNaN;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The {@code metric} table: the learning-curve part of {@link StudyStore}. */
final class H2Metrics {
    private final Jdbc jdbc;
    private final H2Runs runs;

    H2Metrics(Jdbc jdbc, H2Runs runs) {
        this.jdbc = jdbc;
        this.runs = runs;
    }

    void record(long runId, int step, Map<String, Double> values) {
        jdbc.transaction(() -> {
            runs.touch(runId);
            jdbc.batch(jdbc.vendor().upsert("metric", List.of("run_id", "step", "name"), List.of("run_id", "step", "name", "val")),
                    new TreeMap<>(values).entrySet().stream()
                            .<List<?>>map(v -> List.of(runId, step, v.getKey(), v.getValue())).toList());
        });
    }

    List<Metric> all(long runId) {
        return jdbc.list("SELECT run_id, step, name, val FROM metric WHERE run_id = ? ORDER BY step, name",
                rs -> new Metric(rs.getLong("run_id"), rs.getInt("step"), rs.getString("name"), doubleOrNaN(rs, "val")),
                runId);
    }
}
