package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How far a study, a run or a unit of work has got: one closed set for all three, so callers compare constants
 * instead of spelling strings. The database stores {@link #text()}, and the {@code ck_study_status},
 * {@code ck_run_status} and {@code ck_work_unit_status} constraints (migration V4) allow exactly these words, so raw
 * SQL through the console cannot store another.
 */
public enum Status {
    /** Waiting for a worker to claim it (units of a {@link WorkQueue}; studies and runs start {@link #RUNNING}). */
    QUEUED,
    /** Created, resumed or claimed, and not ended yet; a crashed process leaves it like this. */
    RUNNING,
    /** Ended normally: a study's search completed, a run trained all its steps. */
    FINISHED,
    /** Ended with an error (a run's message says which). */
    FAILED,
    /** Stopped from outside (Ctrl-C, a shutdown); can be resumed. */
    INTERRUPTED;

    private final String text = name().toLowerCase(Locale.ROOT);

    /** The lower-case word stored in the {@code status} columns and shown to users, e.g. {@code finished}. */
    public String text() {
        return text;
    }

    /** {@link #text()}, so messages and tables print the same word as the database holds. */
    @Override
    public String toString() {
        return text;
    }

    /**
     * The status spelled {@code text} (as stored, case-insensitive).
     *
     * @throws HeteroloraException (one line) for any other word
     */
    public static Status of(String text) {
        return Arrays.stream(values()).filter(s -> s.text.equalsIgnoreCase(text)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown status '" + text + "' (expected one of "
                        + Arrays.stream(values()).map(Status::text).collect(Collectors.joining(", ")) + ")"));
    }
}
