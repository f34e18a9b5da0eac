package dev.heterolora.studies;

import static dev.heterolora.studies.Jdbc.doubleOrNaN;
import static dev.heterolora.studies.Jdbc.instant;

import dev.heterolora.core.HeteroloraException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code trial} and {@code proxy_score} tables, and the study's {@code best_trial_id} that follows them: the
 * trials part of {@link StudyStore}.
 */
final class H2Trials {
    private static final String COLUMNS =
            "id, study_id, seq, generation, plan_json, params, feasible, fitness, pareto, seconds, created_at";
    /** Feasible trials with a finite fitness, best first; NaN sorts above +Infinity in H2, BETWEEN drops both. */
    private static final String RANKED = "SELECT " + COLUMNS + " FROM trial WHERE study_id = ? AND feasible"
            + " AND fitness BETWEEN -1.7976931348623157E308 AND 1.7976931348623157E308 ORDER BY fitness DESC, seq";

    /** Rows per multi-row insert: well within PostgreSQL's 32,767 parameters for the widest (8-column) row. */
    private static final int ROWS_PER_INSERT = 200;

    private final Jdbc jdbc;
    private final H2Studies studies;

    H2Trials(Jdbc jdbc, H2Studies studies) {
        this.jdbc = jdbc;
        this.studies = studies;
    }

    long record(NewTrial t) {
        return jdbc.transaction(() -> {
            studies.require(t.studyId());
            if (jdbc.one("SELECT id FROM trial WHERE study_id = ? AND seq = ?", rs -> rs.getLong(1), t.studyId(),
                    t.seq()).isPresent()) {
                throw new HeteroloraException("study " + t.studyId() + " already has a trial with seq " + t.seq());
            }
            long id = jdbc.insert("INSERT INTO trial (study_id, seq, generation, plan_json, params, feasible, fitness, "
                    + "seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", t.studyId(), t.seq(), t.generation(), t.planJson(),
                    t.params(), t.feasible(), t.fitness(), t.seconds());
            jdbc.batch("INSERT INTO proxy_score (trial_id, proxy, score) VALUES (?, ?, ?)",
                    t.proxyScores().entrySet().stream().<List<?>>map(s -> List.of(id, s.getKey(), s.getValue())).toList());
            jdbc.update("UPDATE study SET updated_at = CURRENT_TIMESTAMP, best_trial_id = (SELECT id FROM ("
                    + RANKED + " LIMIT 1) best) WHERE id = ?", t.studyId(), t.studyId());
            return id;
        });
    }

    /**
     * Records trials (of one or more studies) in one transaction with multi-row inserts (trials, then their scores
     * once their ids are read back) and one best-trial update per study: what a search that evaluates thousands of
     * plans a second needs.
     */
    void recordAll(List<NewTrial> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Map<Long, List<NewTrial>> byStudy = new TreeMap<>();
        batch.forEach(t -> byStudy.computeIfAbsent(t.studyId(), k -> new ArrayList<>()).add(t));
        jdbc.transaction(() -> {
            for (Map.Entry<Long, List<NewTrial>> e : byStudy.entrySet()) {
                long studyId = e.getKey();
                studies.require(studyId);
                List<Integer> seqs = e.getValue().stream().map(NewTrial::seq).toList();
                if (new HashSet<>(seqs).size() != seqs.size()) {
                    throw new HeteroloraException("trials to record for study " + studyId + " repeat a seq");
                }
                // a range the (study_id, seq) index serves; H2 compares "seq = ANY(array)" with every row
                int low = seqs.stream().mapToInt(Integer::intValue).min().orElseThrow();
                int high = seqs.stream().mapToInt(Integer::intValue).max().orElseThrow();
                String inRange = "SELECT seq, id FROM trial WHERE study_id = ? AND seq BETWEEN ? AND ?";
                Set<Integer> wanted = new HashSet<>(seqs);
                jdbc.list(inRange, rs -> rs.getInt(1), studyId, low, high).stream().filter(wanted::contains)
                        .min(Integer::compare).ifPresent(seq -> {
                            throw new HeteroloraException("study " + studyId + " already has a trial with seq " + seq);
                        });
                insertRows("INSERT INTO trial (study_id, seq, generation, plan_json, params, feasible, fitness, "
                        + "seconds) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?)", e.getValue().stream().<List<?>>map(t ->
                        Arrays.asList(studyId, t.seq(), t.generation(), t.planJson(), t.params(), t.feasible(),
                                t.fitness(), t.seconds())).toList());
                Map<Integer, Long> ids = new HashMap<>();
                for (long[] row : jdbc.list(inRange, rs -> new long[] {rs.getInt(1), rs.getLong(2)}, studyId, low,
                        high)) {
                    ids.put((int) row[0], row[1]);
                }
                insertRows("INSERT INTO proxy_score (trial_id, proxy, score) VALUES ", "(?, ?, ?)", e.getValue().stream()
                        .flatMap(t -> t.proxyScores().entrySet().stream().<List<?>>map(s ->
                                List.of(ids.get(t.seq()), s.getKey(), s.getValue()))).toList());
                updateBest(studyId, e.getValue(), ids);
            }
        });
    }

    /**
     * Inserts rows with multi-row {@code INSERT … VALUES (…), (…)} statements of up to {@value #ROWS_PER_INSERT}
     * rows: in H2 each statement of a JDBC batch pays its own statement set-up, savepoint and end, some 15% of
     * writing a batch of trials (and 25% of it in a JVM that has not warmed up yet).
     *
     * @param insert the statement up to {@code VALUES }
     * @param tuple  one row's placeholders, e.g. {@code (?, ?, ?)}
     */
    private void insertRows(String insert, String tuple, List<List<?>> rows) {
        for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
            List<List<?>> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT));
            jdbc.update(insert + String.join(", ", Collections.nCopies(chunk.size(), tuple)),
                    chunk.stream().flatMap(List::stream).toArray());
        }
    }

    /**
     * Keeps the study's best trial up to date after a batch without ranking all its trials again: the batch's best
     * (feasible, highest finite fitness, lowest seq on ties) replaces the stored best only if it beats it.
     */
    private void updateBest(long studyId, List<NewTrial> batch, Map<Integer, Long> ids) {
        Comparator<double[]> better = Comparator.<double[]>comparingDouble(t -> t[0]).thenComparingDouble(t -> -t[1]);
        Optional<double[]> best = batch.stream().filter(t -> t.feasible() && Double.isFinite(t.fitness()))
                .map(t -> new double[] {t.fitness(), t.seq()}).max(better);
        Optional<double[]> stored = jdbc.one("SELECT t.fitness, t.seq FROM study s JOIN trial t ON t.id = "
                + "s.best_trial_id WHERE s.id = ?", rs -> new double[] {rs.getDouble(1), rs.getInt(2)}, studyId);
        if (best.isPresent() && (stored.isEmpty() || better.compare(best.get(), stored.get()) > 0)) {
            jdbc.update("UPDATE study SET updated_at = CURRENT_TIMESTAMP, best_trial_id = ? WHERE id = ?",
                    ids.get((int) best.get()[1]), studyId);
        } else {
            jdbc.update("UPDATE study SET updated_at = CURRENT_TIMESTAMP WHERE id = ?", studyId);
        }
    }

    /** All trials of a study in order of evaluation. */
    List<Trial> all(long studyId) {
        return read("SELECT " + COLUMNS + " FROM trial WHERE study_id = ? ORDER BY seq", studyId);
    }

    List<Trial> top(long studyId, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        return read(RANKED + " LIMIT ?", studyId, n);
    }

    int count(long studyId) {
        return jdbc.one("SELECT COUNT(*) FROM trial WHERE study_id = ?", rs -> rs.getInt(1), studyId).orElseThrow();
    }

    void markPareto(long studyId, Collection<Long> trialIds) {
        Set<Long> ids = new LinkedHashSet<>(trialIds);
        jdbc.transaction(() -> {
            studies.require(studyId);
            int found = jdbc.one("SELECT COUNT(*) FROM trial WHERE study_id = ? AND id = ANY(?)", rs -> rs.getInt(1),
                    studyId, ids).orElseThrow();
            if (found != ids.size()) {
                throw new HeteroloraException("not all of trials " + ids + " belong to study " + studyId);
            }
            jdbc.update("UPDATE trial SET pareto = (id = ANY(?)) WHERE study_id = ?", ids, studyId);
        });
    }

    /**
     * Throws unless trial {@code trialId} exists and, when {@code studyId} is given, belongs to that study (what a
     * run or a validation that names both needs).
     */
    void requireIn(long trialId, Long studyId) {
        long owner = jdbc.one("SELECT study_id FROM trial WHERE id = ?", rs -> rs.getLong(1), trialId)
                .orElseThrow(() -> new HeteroloraException("no trial with id " + trialId));
        if (studyId != null && owner != studyId) {
            throw new HeteroloraException("trial " + trialId + " belongs to study " + owner + ", not to study " + studyId);
        }
    }

    /** Reads trial rows (selected with {@link #COLUMNS}) and attaches their proxy scores. */
    private List<Trial> read(String sql, Object... params) {
        record Row(long id, long studyId, int seq, int generation, String planJson, long params, boolean feasible,
                   double fitness, boolean pareto, double seconds, Instant createdAt) {}
        record Score(long trialId, String proxy, double score) {}
        List<Row> rows = jdbc.list(sql, rs -> new Row(rs.getLong("id"), rs.getLong("study_id"), rs.getInt("seq"),
                rs.getInt("generation"), rs.getString("plan_json"), rs.getLong("params"), rs.getBoolean("feasible"),
                doubleOrNaN(rs, "fitness"), rs.getBoolean("pareto"), rs.getDouble("seconds"), instant(rs, "created_at")),
                params);
        Map<Long, Map<String, Double>> scores = new HashMap<>();
        if (!rows.isEmpty()) {
            // the trials' own query as a subquery: H2 compares "trial_id = ANY(array)" with every row
            for (Score s : jdbc.list("SELECT trial_id, proxy, score FROM proxy_score WHERE trial_id IN (SELECT id FROM ("
                    + sql + ") picked)", rs -> new Score(rs.getLong("trial_id"), rs.getString("proxy"),
                    doubleOrNaN(rs, "score")), params)) {
                scores.computeIfAbsent(s.trialId(), k -> new TreeMap<>()).put(s.proxy(), s.score());
            }
        }
        return rows.stream().map(r -> new Trial(r.id(), r.studyId(), r.seq(), r.generation(), r.planJson(), r.params(),
                r.feasible(), r.fitness(), scores.getOrDefault(r.id(), Map.of()), r.pareto(), r.seconds(),
                r.createdAt())).toList();
    }
}
