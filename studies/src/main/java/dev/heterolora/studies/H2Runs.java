package dev.heterolora.studies;

import static dev.heterolora.studies.Jdbc.instant;
import static dev.heterolora.studies.Jdbc.nullableLong;

import dev.heterolora.core.HeteroloraException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The {@code run} table: the runs part of {@link StudyStore}. */
final class H2Runs {
    private static final String COLUMNS =
            "id, study_id, trial_id, kind, config_json, status, message, created_at, updated_at, output_dir";

    private final Jdbc jdbc;
    private final H2Studies studies;
    private final H2Trials trials;

    H2Runs(Jdbc jdbc, H2Studies studies, H2Trials trials) {
        this.jdbc = jdbc;
        this.studies = studies;
        this.trials = trials;
    }

    long create(Long studyId, Long trialId, String kind, String configJson, String outputDir) {
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("kind must not be blank");
        }
        return jdbc.transaction(() -> {
            if (studyId != null) {
                studies.require(studyId);
            }
            if (trialId != null) {
                trials.requireIn(trialId, studyId);
            }
            return jdbc.insert("INSERT INTO run (study_id, trial_id, kind, config_json, output_dir) VALUES (?, ?, ?, ?, ?)",
                    studyId, trialId, kind, configJson == null ? "{}" : configJson, outputDir);
        });
    }

    void reopen(long runId) {
        setStatus(runId, Status.RUNNING, null);
    }

    void finish(long runId, Status status, String message) {
        if (Objects.requireNonNull(status, "status") == Status.RUNNING) {
            throw new HeteroloraException("a run finishes as finished, failed or interrupted, not running");
        }
        setStatus(runId, status, message);
    }

    Optional<Run> find(long id) {
        return jdbc.one("SELECT " + COLUMNS + " FROM run WHERE id = ?", H2Runs::read, id);
    }

    /** The runs of a study, or all runs if {@code studyId} is {@code null}; oldest first. */
    List<Run> all(Long studyId) {
        return studyId == null
                ? jdbc.list("SELECT " + COLUMNS + " FROM run ORDER BY id", H2Runs::read)
                : jdbc.list("SELECT " + COLUMNS + " FROM run WHERE study_id = ? ORDER BY id", H2Runs::read, studyId);
    }

    /** Marks the run as updated now (something was recorded for it); throws if there is no such run. */
    void touch(long runId) {
        if (jdbc.update("UPDATE run SET updated_at = CURRENT_TIMESTAMP WHERE id = ?", runId) == 0) {
            throw notFound(runId);
        }
    }

    /** Renews a run's heartbeat (its owner is alive); throws if there is no such run. */
    void heartbeat(long runId) {
        if (jdbc.update("UPDATE run SET heartbeat_at = CURRENT_TIMESTAMP WHERE id = ?", runId) == 0) {
            throw notFound(runId);
        }
    }

    static HeteroloraException notFound(long runId) {
        return new HeteroloraException("no run with id " + runId);
    }

    private void setStatus(long runId, Status status, String message) {
        if (jdbc.update("UPDATE run SET status = ?, message = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                status, message, runId) == 0) {
            throw notFound(runId);
        }
    }

    private static Run read(ResultSet rs) throws SQLException {
        return new Run(rs.getLong("id"), nullableLong(rs, "study_id"), nullableLong(rs, "trial_id"),
                rs.getString("kind"), rs.getString("config_json"), Status.of(rs.getString("status")),
                rs.getString("message"), instant(rs, "created_at"), instant(rs, "updated_at"),
                rs.getString("output_dir"));
    }
}
