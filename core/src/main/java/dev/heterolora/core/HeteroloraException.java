package dev.heterolora.core;

/**
 * The one exception type for problems a user can fix (bad input, missing or corrupt files, bad flags).
 *
 * <p>Its message is a single line meant to be printed as-is; the CLI prints it and exits with status 2.
 */
public class HeteroloraException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HeteroloraException(String message) {
        super(message);
    }

    public HeteroloraException(String message, Throwable cause) {
        super(message, cause);
    }
}
