package dev.heterolora.studies;

import dev.heterolora.core.HeteroloraException;

/**
 * A heartbeat, completion or failure of a {@link ClaimedUnit} refused because its lease is no longer the caller's:
 * another worker took the unit over, or it was put back or failed after the lease expired. Its own type so that a
 * worker can tell "drop this unit and claim the next" from a database error.
 */
public final class LeaseLostException extends HeteroloraException {
    private static final long serialVersionUID = 1L;

    LeaseLostException(String message) {
        super(message);
    }
}
