package dev.heterolora.app;

import dev.heterolora.core.Budget;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteKind;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.ModelFingerprint;
import dev.heterolora.proxies.ZeroCostProxy;
import dev.heterolora.search.AlphaRule;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.search.SpaceOptions;
import dev.heterolora.search.Strategy;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.trainer.world.WorldFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A new search as a user asks for it, before anything is resolved: the model folder (null = the embedded world),
 * the proxy rows, the budget and objective as typed, the space, the strategy's settings and how many top plans the
 * refine stage trains (0 = none), and the study's unique name (null = unnamed). {@link #resolve}
 * validates it and turns it into the {@link SearchConfig} a study stores.
 */
public record SearchRequest(Path model, Path data, String budget, String strategy, List<String> objective,
                            boolean vote, String ranks, String sites, boolean noShortcuts, String alpha,
                            int proxyBatches, int proxyBatchSize, int maxLength, double probeStep,
                            SearchSettings settings, int refine, String name) {

    /** A request for an unnamed study. */
    public SearchRequest(Path model, Path data, String budget, String strategy, List<String> objective,
                         boolean vote, String ranks, String sites, boolean noShortcuts, String alpha,
                         int proxyBatches, int proxyBatchSize, int maxLength, double probeStep,
                         SearchSettings settings, int refine) {
        this(model, data, budget, strategy, objective, vote, ranks, sites, noShortcuts, alpha, proxyBatches,
                proxyBatchSize, maxLength, probeStep, settings, refine, null);
    }

    /**
     * Refuses, in one line and before any work, a name another study of {@code db} already has.
     *
     * @throws HeteroloraException naming the study that has it
     */
    public void requireFreeName(StudyStorage db) {
        if (name != null) {
            db.studyNamed(name).ifPresent(s -> {
                throw new HeteroloraException("a study named '" + name + "' already exists (study " + s.id()
                        + "); choose another --name, or resume it with --resume " + s.id());
            });
        }
    }

    /**
     * Checks every value (one-line errors before any expensive step), builds the world when none is given and it is
     * missing, and returns the study configuration.
     */
    public SearchConfig resolve(Path home, ComputeSettings compute, PrintStream log) {
        Strategy.named(strategy);
        objective.forEach(ZeroCostProxy::parse);
        if (proxyBatches < 1 || proxyBatchSize < 1 || maxLength < 2 || !(probeStep > 0) || refine < 0) {
            throw new HeteroloraException("--proxy-batches and --proxy-batch-size must be >= 1, --max-length >= 2, "
                    + "--probe-step > 0, --refine >= 0");
        }
        Budget b = Budget.parse(budget);
        // --sites names projection kinds; the four shortcut kinds come along unless --no-shortcuts or some are named
        Set<SiteKind> kinds = EnumSet.copyOf(SpaceOptions.parseKinds(sites));
        if (kinds.stream().noneMatch(SiteKind::isShortcut)) {
            Arrays.stream(SiteKind.values()).filter(SiteKind::isShortcut).forEach(kinds::add);
        }
        SpaceOptions options = new SpaceOptions(kinds, !noShortcuts, SpaceOptions.parseRanks(ranks),
                AlphaRule.parse(alpha));
        Path dir;
        Path rowsFile;
        String format;
        if (model == null) {
            Path world = WorldHome.ensure(home, compute, log);
            dir = WorldHome.policy(world);
            rowsFile = data != null ? data : WorldHome.data(world, WorldFiles.SFT);
            format = data != null ? SearchConfig.ROWS : SearchConfig.DEMONSTRATIONS;
        } else {
            if (data == null) {
                throw new HeteroloraException("--data FILE.jsonl is required with --model (rows for the proxies)");
            }
            dir = model;
            rowsFile = data;
            format = SearchConfig.ROWS;
        }
        ModelConfig mc = ModelConfig.read(dir);
        long base = mc.baseParameters();
        return new SearchConfig(dir.toAbsolutePath().normalize().toString(), ModelFingerprint.of(dir), mc,
                rowsFile.toAbsolutePath().normalize().toString(), format, budget.trim(), b.limit(base), base, strategy,
                objective, vote, proxyBatches, proxyBatchSize, maxLength, probeStep, options, settings, refine);
    }
}
