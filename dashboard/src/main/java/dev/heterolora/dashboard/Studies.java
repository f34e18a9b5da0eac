package dev.heterolora.dashboard;

import static dev.heterolora.dashboard.ReadOnlyDatabase.longOrNull;
import static dev.heterolora.dashboard.ReadOnlyDatabase.instant;
import static dev.heterolora.dashboard.ReadOnlyDatabase.real;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.results.PlanAllocation;
import dev.heterolora.studies.Study;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The studies page and a study's header: the list of studies with their best fitness and trial counts (filtered,
 * sorted and paged in SQL, so a database of many studies stays cheap), and one study's configuration.
 */
final class Studies {
    /** The API's sort keys and the SQL they sort by. */
    private static final Map<String, String> SORTS = Map.of("id", "s.id", "name", "LOWER(s.name)", "status", "s.status",
            "strategy", "s.strategy", "budget", "s.budget_limit", "best_fitness", "best_fitness", "trials", "trials",
            "created_at", "s.created_at", "updated_at", "s.updated_at");
    private static final String COLUMNS = "s.id, s.name, s.status, s.strategy, s.budget_text, s.budget_limit, "
            + "s.best_trial_id, s.created_at, s.updated_at, b.fitness AS best_fitness, "
            + "(SELECT COUNT(*) FROM trial t WHERE t.study_id = s.id) AS trials";

    private final ReadOnlyDatabase db;

    Studies(ReadOnlyDatabase db) {
        this.db = db;
    }

    /** A study as the studies table lists it. */
    record StudyRow(long id, String name, String status, String strategy, String budgetText, long budgetLimit,
                    Long bestTrialId, double bestFitness, long trials, Instant createdAt, Instant updatedAt) {
        static StudyRow read(ResultSet rs) throws SQLException {
            return new StudyRow(rs.getLong("id"), rs.getString("name"), rs.getString("status"),
                    rs.getString("strategy"), rs.getString("budget_text"), rs.getLong("budget_limit"),
                    longOrNull(rs, "best_trial_id"), real(rs, "best_fitness"), rs.getLong("trials"),
                    instant(rs, "created_at"), instant(rs, "updated_at"));
        }
    }

    /** One study with everything its page shows above the charts. */
    record StudyDetail(StudyRow summary, long seed, long baseParams, String modelPath, String modelHash,
                       JsonNode config, JsonNode searchSpace, int spaceSites, int spaceMaxRank) {}

    /**
     * A page of studies.
     *
     * @param text   a case-insensitive substring of the name or strategy, or null
     * @param status a status word to keep, or null
     */
    Paging.Page<StudyRow> list(String text, String status, String sort, String order, Paging paging) {
        Where where = new Where();
        if (text != null && !text.isBlank()) {
            String pattern = Where.containing(text.strip().toLowerCase(Locale.ROOT));
            where.always("(LOWER(s.name) LIKE ? ESCAPE '!' OR LOWER(s.strategy) LIKE ? ESCAPE '!')", pattern, pattern);
        }
        where.and("s.status = ?", status == null ? null : status.strip().toLowerCase(Locale.ROOT));
        long total = db.number("SELECT COUNT(*) FROM study s" + where.sql(), where.params());
        List<StudyRow> rows = db.list("SELECT " + COLUMNS + " FROM study s LEFT JOIN trial b ON b.id = s.best_trial_id"
                + where.sql() + " ORDER BY " + Params.orderBy(sort, order, SORTS, "id", true) + ", s.id DESC"
                + " OFFSET ? ROWS FETCH NEXT ? ROWS ONLY", StudyRow::read, where.params(paging.offset(), paging.limit()));
        return paging.page(total, rows);
    }

    /** A study's row of the studies table, if it exists. */
    Optional<StudyRow> row(long id) {
        return db.first("SELECT " + COLUMNS + " FROM study s LEFT JOIN trial b ON b.id = s.best_trial_id WHERE s.id = ?",
                StudyRow::read, id);
    }

    /** A study with its configuration, if it exists. */
    Optional<StudyDetail> detail(long id) {
        Optional<Study> study = db.study(id);
        Optional<StudyRow> row = row(id);
        if (study.isEmpty() || row.isEmpty()) {
            return Optional.empty();
        }
        Study s = study.get();
        return Optional.of(new StudyDetail(row.get(), s.seed(), s.baseParams(), s.modelPath(), s.modelHash(),
                JsonText.parse(s.configJson()), JsonText.parse(s.searchSpaceJson()),
                PlanAllocation.spaceSites(s.searchSpaceJson()).size(), PlanAllocation.spaceMaxRank(s.searchSpaceJson())));
    }
}
