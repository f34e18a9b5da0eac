package dev.heterolora.dashboard;

import static dev.heterolora.dashboard.ReadOnlyDatabase.instant;
import static dev.heterolora.dashboard.ReadOnlyDatabase.real;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.results.GenerationSummary;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A study's trials as its page draws them, each computed in SQL over the whole study and returned bounded: the search
 * history (one row per generation), the trial table (a sorted page with proxy scores) and the Pareto front with a
 * cloud of at most {@link #CLOUD} points.
 */
final class Trials {
    /** The most trials drawn behind the Pareto front; larger studies are thinned evenly by evaluation order. */
    static final int CLOUD = 5000;
    /** The most generations the history returns. */
    static final int MAX_GENERATIONS = 10_000;
    private static final Map<String, String> SORTS = Map.of("id", "id", "seq", "seq", "generation", "generation",
            "params", "params", "fitness", "fitness", "seconds", "seconds");

    private final ReadOnlyDatabase db;

    Trials(ReadOnlyDatabase db) {
        this.db = db;
    }

    /** A row of the trial table. */
    record TrialRow(long id, int seq, int generation, long params, boolean feasible, double fitness, boolean pareto,
                    double seconds, Instant createdAt, Map<String, Double> proxyScores, JsonNode plan) {
        /** Keeps an unmodifiable copy of the scores, sorted by proxy name. */
        TrialRow {
            proxyScores = Collections.unmodifiableSortedMap(new TreeMap<>(proxyScores));
        }
    }

    /** A trial as a point of the Pareto chart. */
    record Point(long id, long params, double fitness) {}

    /**
     * The Pareto front (params ↓, fitness ↑) and the trials around it.
     *
     * @param source  {@code stored} when the search marked a front (nsga2), else {@code computed} here from every
     *                feasible trial with a finite fitness
     * @param cloud   feasible trials to draw behind the front, at most {@link #CLOUD}
     * @param feasible how many feasible trials with a finite fitness the study has
     */
    record Pareto(String source, List<Point> front, List<Point> cloud, long feasible) {}

    /** The search history: per generation, trials, feasible share, best and median fitness, best so far. */
    List<GenerationSummary> history(long studyId) {
        List<double[]> rows = db.list("SELECT generation, COUNT(*) AS n, SUM(CASE WHEN feasible THEN 1 ELSE 0 END) AS f, "
                + "MAX(CASE WHEN feasible THEN fitness END) AS best, "
                + "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY CASE WHEN feasible THEN fitness END) AS median "
                + "FROM trial WHERE study_id = ? GROUP BY generation ORDER BY generation FETCH FIRST ? ROWS ONLY",
                rs -> new double[] {rs.getInt("generation"), rs.getLong("n"), rs.getLong("f"), real(rs, "best"),
                    real(rs, "median")}, studyId, MAX_GENERATIONS);
        List<GenerationSummary> out = new ArrayList<>();
        double bestSoFar = Double.NaN;
        for (double[] r : rows) {
            if (!Double.isNaN(r[3])) {
                bestSoFar = Double.isNaN(bestSoFar) ? r[3] : Math.max(bestSoFar, r[3]);
            }
            out.add(new GenerationSummary((int) r[0], (int) r[1], (int) r[2], r[2] / r[1], r[4], r[3], bestSoFar));
        }
        return out;
    }

    /**
     * A sorted page of a study's trials with their proxy scores.
     *
     * @param feasibleOnly keep only feasible trials with a finite fitness (the leaderboard)
     */
    Paging.Page<TrialRow> page(long studyId, boolean feasibleOnly, String sort, String order, Paging paging) {
        String where = " WHERE study_id = ?" + (feasibleOnly ? " AND feasible = TRUE AND fitness IS NOT NULL" : "");
        long total = db.number("SELECT COUNT(*) FROM trial" + where, studyId);
        record Stored(long id, int seq, int generation, long params, boolean feasible, double fitness, boolean pareto,
                      double seconds, Instant createdAt, String planJson) {}
        List<Stored> stored = db.list("SELECT id, seq, generation, params, feasible, fitness, pareto, seconds, "
                + "created_at, plan_json FROM trial" + where + " ORDER BY "
                + Params.orderBy(sort, order, SORTS, "fitness", true) + ", seq OFFSET ? ROWS FETCH NEXT ? ROWS ONLY",
                rs -> new Stored(rs.getLong("id"), rs.getInt("seq"), rs.getInt("generation"), rs.getLong("params"),
                        rs.getBoolean("feasible"), real(rs, "fitness"), rs.getBoolean("pareto"), real(rs, "seconds"),
                        instant(rs, "created_at"), rs.getString("plan_json")),
                studyId, paging.offset(), paging.limit());
        Map<Long, Map<String, Double>> scores = scores(stored.stream().map(Stored::id).toList());
        return paging.page(total, stored.stream().map(t -> new TrialRow(t.id(), t.seq(), t.generation(), t.params(),
                t.feasible(), t.fitness(), t.pareto(), t.seconds(), t.createdAt(),
                scores.getOrDefault(t.id(), Map.of()), JsonText.parse(t.planJson()))).toList());
    }

    /** The stored or computed Pareto front and a bounded cloud of the other trials. */
    Pareto pareto(long studyId) {
        String feasible = " FROM trial WHERE study_id = ? AND feasible = TRUE AND fitness IS NOT NULL";
        long count = db.number("SELECT COUNT(*)" + feasible, studyId);
        long every = Math.max(1, (count + CLOUD - 1) / CLOUD);
        List<Point> cloud = db.list("SELECT id, params, fitness" + feasible + " AND MOD(seq, ?) = 0 ORDER BY seq "
                + "FETCH FIRST ? ROWS ONLY", Trials::point, studyId, every, CLOUD);
        List<Point> stored = db.list("SELECT id, params, fitness" + feasible + " AND pareto = TRUE ORDER BY params, "
                + "fitness DESC FETCH FIRST ? ROWS ONLY", Trials::point, studyId, CLOUD);
        if (!stored.isEmpty()) {
            return new Pareto("stored", stored, cloud, count);
        }
        List<Point> all = db.list("SELECT id, params, fitness" + feasible, Trials::point, studyId);
        return new Pareto("computed", front(all), cloud, count);
    }

    /** The trials no other trial beats on both fewer parameters and higher fitness, by parameters. */
    static List<Point> front(List<Point> points) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(Point::params).thenComparing(Comparator.comparingDouble(Point::fitness)
                .reversed()).thenComparingLong(Point::id));
        List<Point> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (Point p : sorted) {
            if (p.fitness() > best) {
                front.add(p);
                best = p.fitness();
            }
        }
        return Collections.unmodifiableList(front);
    }

    private static Point point(ResultSet rs) throws SQLException {
        return new Point(rs.getLong("id"), rs.getLong("params"), real(rs, "fitness"));
    }

    /** The proxy scores of these trials, by trial, then proxy name (one query for a whole page). */
    Map<Long, Map<String, Double>> scores(List<Long> trialIds) {
        Map<Long, Map<String, Double>> out = new HashMap<>();
        if (trialIds.isEmpty()) {
            return out;
        }
        record Score(long trialId, String proxy, double score) {}
        String marks = String.join(", ", Collections.nCopies(trialIds.size(), "?"));
        for (Score s : db.list("SELECT trial_id, proxy, score FROM proxy_score WHERE trial_id IN (" + marks + ")",
                rs -> new Score(rs.getLong("trial_id"), rs.getString("proxy"), real(rs, "score")), trialIds.toArray())) {
            out.computeIfAbsent(s.trialId(), k -> new TreeMap<>()).put(s.proxy(), s.score());
        }
        return out;
    }
}
