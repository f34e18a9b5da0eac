package dev.heterolora.app;

/**
 * What a search tells its caller while it runs: every evaluated trial with its generation. The CLI draws a progress
 * bar from it; tests and other callers may ignore it ({@link #NONE}).
 */
@FunctionalInterface
public interface SearchProgress {
    /** Ignores every trial. */
    SearchProgress NONE = (generation, fitness) -> { };

    /** One trial of {@code generation} was evaluated and stored. */
    void trial(int generation, double fitness);
}
