package dev.heterolora.studies;

import static dev.heterolora.studies.Jdbc.instant;
import static dev.heterolora.studies.Jdbc.nullableLong;

import dev.heterolora.core.HeteroloraException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The {@code study} table: the studies part of {@link StudyStore}. */
final class H2Studies {
    private static final String COLUMNS = "id, name, created_at, updated_at, seed, strategy, budget_text, "
            + "budget_limit, base_params, model_path, model_hash, config_json, search_space_json, status, best_trial_id";

    private final Jdbc jdbc;
    private final String url;

    /** {@code url} names the database in the message when there is no finished study. */
    H2Studies(Jdbc jdbc, String url) {
        this.jdbc = jdbc;
        this.url = url;
    }

    /** Creates the study; a name another study has is refused in one line before anything is written. */
    long create(NewStudy s) {
        return jdbc.transaction(() -> {
            if (s.name() != null) {
                named(s.name()).ifPresent(other -> {
                    throw duplicate(s.name(), other.id());
                });
            }
            return jdbc.insert("INSERT INTO study (name, seed, strategy, budget_text, budget_limit, base_params, "
                + "model_path, model_hash, config_json, search_space_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                s.name(), s.seed(), s.strategy(), s.budgetText(), s.budgetLimit(), s.baseParams(), s.modelPath(),
                s.modelHash(), s.configJson(), s.searchSpaceJson());
        });
    }

    /** The study with this name, if any. */
    Optional<Study> named(String name) {
        return jdbc.one("SELECT " + COLUMNS + " FROM study WHERE name = ?", H2Studies::read,
                Objects.requireNonNull(name, "name"));
    }

    static HeteroloraException duplicate(String name, long id) {
        return new HeteroloraException("a study named '" + name + "' already exists (study " + id + "); choose "
                + "another --name, or resume it with --resume " + id);
    }

    /**
     * Deletes a study with everything recorded for it in one transaction: its runs (with their metrics and
     * validations), trials (with their scores), the work units of its queues ({@link StudyStorage#studyQueue}) and
     * the study row. Runs of other studies that trained one of its trials keep their rows (their trial becomes NULL).
     */
    void delete(long studyId) {
        jdbc.transaction(() -> {
            require(studyId);
            jdbc.update("DELETE FROM work_unit WHERE queue = ? OR queue LIKE ?", StudyStorage.studyQueue(studyId, ""),
                    StudyStorage.studyQueue(studyId, "") + ":%");
            jdbc.update("DELETE FROM run WHERE study_id = ?", studyId);
            jdbc.update("UPDATE study SET best_trial_id = NULL WHERE id = ?", studyId);
            jdbc.update("DELETE FROM trial WHERE study_id = ?", studyId);
            jdbc.update("DELETE FROM study WHERE id = ?", studyId);
        });
    }

    /** Renews a study's heartbeat (its owner is alive); throws if there is no such study. */
    void heartbeat(long studyId) {
        if (jdbc.update("UPDATE study SET heartbeat_at = CURRENT_TIMESTAMP WHERE id = ?", studyId) == 0) {
            throw notFound(studyId);
        }
    }

    /**
     * Marks running studies and runs whose heartbeat is older than {@code grace} interrupted (their process died
     * without saying so) and returns how many it marked. Rows without a heartbeat (an owner that does not beat) are
     * left alone.
     */
    int failStale(Duration grace) {
        double seconds = grace.toMillis() / 1000.0;
        String stale = " SET status = ?, updated_at = CURRENT_TIMESTAMP WHERE status = ? AND heartbeat_at IS NOT NULL "
                + "AND heartbeat_at < CURRENT_TIMESTAMP - CAST(? AS DOUBLE PRECISION) * INTERVAL '1' SECOND";
        return jdbc.transaction(() -> jdbc.update("UPDATE study" + stale, Status.INTERRUPTED, Status.RUNNING, seconds)
                + jdbc.update("UPDATE run" + stale, Status.INTERRUPTED, Status.RUNNING, seconds));
    }

    Optional<Study> find(long id) {
        return jdbc.one("SELECT " + COLUMNS + " FROM study WHERE id = ?", H2Studies::read, id);
    }

    /** The finished study created last; the message names the latest study if it has not finished. */
    Study latestFinished() {
        return jdbc.one("SELECT " + COLUMNS + " FROM study WHERE status = ? ORDER BY id DESC LIMIT 1",
                H2Studies::read, Status.FINISHED).orElseThrow(() -> {
                    String latest = jdbc.one("SELECT id, status FROM study ORDER BY id DESC LIMIT 1",
                            rs -> " (the latest, study " + rs.getLong(1) + ", is " + rs.getString(2) + ")").orElse("");
                    return new HeteroloraException("no finished study in " + url + " yet" + latest);
                });
    }

    List<Study> all() {
        return jdbc.list("SELECT " + COLUMNS + " FROM study ORDER BY id", H2Studies::read);
    }

    void setStatus(long studyId, Status status) {
        if (jdbc.update("UPDATE study SET status = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                Objects.requireNonNull(status, "status"), studyId) == 0) {
            throw notFound(studyId);
        }
    }

    /** Throws {@code no study with id ...} unless the study exists. */
    void require(long studyId) {
        if (jdbc.one("SELECT id FROM study WHERE id = ?", rs -> rs.getLong(1), studyId).isEmpty()) {
            throw notFound(studyId);
        }
    }

    static HeteroloraException notFound(long studyId) {
        return new HeteroloraException("no study with id " + studyId);
    }

    private static Study read(ResultSet rs) throws SQLException {
        return new Study(rs.getLong("id"), rs.getString("name"), instant(rs, "created_at"), instant(rs, "updated_at"),
                rs.getLong("seed"), rs.getString("strategy"), rs.getString("budget_text"), rs.getLong("budget_limit"),
                rs.getLong("base_params"), rs.getString("model_path"), rs.getString("model_hash"),
                rs.getString("config_json"), rs.getString("search_space_json"), Status.of(rs.getString("status")),
                nullableLong(rs, "best_trial_id"));
    }
}
