package dev.heterolora.studies;

/**
 * The one user-facing failure of the study store: a bad database URL, a corrupt file, a failed migration,
 * bad SQL in the console, an unknown study or run. The message is always a single line without stack trace
 * text, so the CLI can print it as is and exit.
 */
public final class StudyStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message must already be a single line. */
    public StudyStoreException(String message) {
        super(message);
    }
}
