package dev.heterolora.results;

/**
 * A failure of a report or export that the user can fix (an unknown study, an unknown export format, an output
 * path that is not usable). The message is always a single line, so the CLI can print it as is and exit 2.
 */
public final class ResultsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message must already be a single line. */
    public ResultsException(String message) {
        super(message);
    }

    /** Creates an exception whose message must already be a single line, keeping the cause for logs. */
    public ResultsException(String message, Throwable cause) {
        super(message, cause);
    }
}
