package dev.heterolora.cli;

import dev.heterolora.search.SearchSettings;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The flags of {@code search} that say what to search for and how, grouped apart from the model, storage and
 * output flags so {@code search --help} reads in sections.
 */
final class SearchOptions {
    /** The default fitness proxy. */
    static final String PROXY = "snip";
    /** The default allowed ranks. */
    static final String RANKS = "0,1,2,4,8,16,32,64";
    /** The default projection kinds. */
    static final String SITES = "all";
    /** The default alpha rule. */
    static final String ALPHA = "2r";

    @Option(names = "--budget", defaultValue = "0.2%", description = "trainable parameters: 0.2%%, 0.002, 150k, "
            + "1.5M (default: ${DEFAULT-VALUE})")
    String budget;

    @Option(names = "--strategy", defaultValue = "auto", description = "auto (exact DP for additive objectives, "
            + "else the GA), ga, nsga2, knapsack, uniform, peft-default, all-linear, topk, random (default: "
            + "${DEFAULT-VALUE})")
    String strategy;

    @Option(names = "--proxy", defaultValue = PROXY, description = "fitness proxy: gradnorm, snip, fisher, synflow, "
            + "params, jacov, probe (default: ${DEFAULT-VALUE})")
    String proxy;

    @Option(names = "--vote", split = ",", paramLabel = "PROXY", description = "fitness = mean percentile over these "
            + "proxies (e.g. --vote gradnorm,snip,fisher); overrides --proxy")
    List<String> vote;

    @Option(names = "--ranks", defaultValue = RANKS, description = "allowed ranks (default: "
            + "${DEFAULT-VALUE})")
    String ranks;

    @Option(names = "--sites", defaultValue = SITES, description = "projection kinds, e.g. q,v (default: ${DEFAULT-VALUE})")
    String sites;

    @Option(names = "--no-shortcuts", description = "no LoRA-adapted shortcut sites")
    boolean noShortcuts;

    @Option(names = "--alpha", defaultValue = ALPHA, description = "alpha rule: 2r (= 2·rank) or a fixed number "
            + "(default: ${DEFAULT-VALUE})")
    String alpha;

    @Option(names = "--seed", defaultValue = "0", description = "study seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--population", description = "GA population (default: " + SearchSettings.DEFAULT_POPULATION + ")")
    Integer population;

    @Option(names = "--generations", description = "generation limit (default: 3 per site, at least 500)")
    Integer generations;

    @Option(names = "--steady", description = "stop after this many generations without improvement (default: 1 per "
            + "2 sites, at least 80)")
    Integer steady;

    @Option(names = "--samples", description = "plans for the random baseline (default: " + SearchSettings.DEFAULT_SAMPLES
            + ")")
    Integer samples;

    @Option(names = "--topk-rank", description = "rank of the topk baseline (default: " + SearchSettings.DEFAULT_TOPK_RANK
            + ")")
    Integer topkRank;

    @Option(names = "--topk-fraction", description = "fraction of sites topk enables (default: as many as fit)")
    Double topkFraction;

    @Option(names = "--refine", defaultValue = "0", paramLabel = "N", description = "after the search, train the top "
            + "N plans and the baselines briefly with successive halving; the best measured plan is what train --best "
            + "trains (default: ${DEFAULT-VALUE} = off)")
    int refine;

    @Option(names = "--name", description = "a unique study name, for `heterolora study NAME` (default: none)")
    String name;

    @Option(names = "--resume", paramLabel = "ID", description = "continue an interrupted study")
    Long resume;

    @Option(names = "--join", paramLabel = "STUDY", description = "help a running search whose objective runs the "
            + "model per plan (jacov, probe): evaluate its plans until it ends (id or name; same database)")
    String join;

    /** The rows and batches the proxies read. */
    static final class ProxyData {
        @Option(names = "--data", paramLabel = "FILE.jsonl", description = "rows for the proxies (\"text\" or "
                + "\"input_ids\"); without --model: the embedded world's demonstrations")
        Path data;

        @Option(names = "--proxy-batches", defaultValue = "4", description = "minibatches for the proxies (default: "
                + "${DEFAULT-VALUE})")
        int proxyBatches;

        @Option(names = "--proxy-batch-size", defaultValue = "8", description = "rows per minibatch (default: "
                + "${DEFAULT-VALUE})")
        int proxyBatchSize;

        @Option(names = "--max-length", defaultValue = "128", description = "tokens per row for the proxies (default: "
                + "${DEFAULT-VALUE})")
        int maxLength;

        @Option(names = "--probe-step", defaultValue = "1e-3", description = "step size of the per-plan probe proxies "
                + "(default: ${DEFAULT-VALUE})")
        double probeStep;
    }

    /** What {@code search} prints. */
    static final class Output {
        @Option(names = "--json", description = "print a JSON summary")
        boolean json;

        @Option(names = "--no-progress", description = "no progress bar")
        boolean noProgress;
    }
}
