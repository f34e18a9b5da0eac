package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --lease}, for every command whose workers share a queue of units (experiment allocation and rlhf, validate,
 * refine): how long a worker's claim on a unit lasts without renewal, i.e. how long a dead worker's unit waits
 * before another worker takes it. One declaration and one check, so the flag reads and fails the same everywhere.
 */
final class LeaseOption {
    @Option(names = "--lease", paramLabel = "SECONDS", defaultValue = "120",
            description = "seconds a dead worker's unit (cell, run, plan, training) waits before another worker "
                    + "takes it (default: ${DEFAULT-VALUE})")
    int seconds;

    /**
     * The lease.
     *
     * @throws HeteroloraException under one second: live workers' units would be taken from them
     */
    Duration lease() {
        if (seconds < 1) {
            throw new HeteroloraException("--lease must be at least 1 second (got " + seconds + ")");
        }
        return Duration.ofSeconds(seconds);
    }
}
