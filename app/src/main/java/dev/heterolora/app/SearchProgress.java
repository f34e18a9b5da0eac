package dev.heterolora.app;

/**
 * What a search tells its caller while it runs: its start with the generation limit, every evaluated trial with its
 * generation, and why it stopped. The CLI draws a progress bar from it; tests and other callers may ignore it
 * ({@link #NONE}).
 */
@FunctionalInterface
public interface SearchProgress {
    /** Ignores everything. */
    SearchProgress NONE = (generation, fitness) -> { };

    /** The strategy starts with at most {@code generations} generations after the first. */
    default void started(String strategy, int generations) { }

    /**
     * One trial of {@code generation} was evaluated; it is committed with its batch, and every trial reported here
     * is in the study once the search returns, fails or is interrupted.
     */
    void trial(int generation, double fitness);

    /** The strategy stopped, for the reason given in words. */
    default void stopped(String why) { }
}
