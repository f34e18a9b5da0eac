package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.Budget;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.ModelFingerprint;
import dev.heterolora.core.SiteKind;
import dev.heterolora.model.TextTokenizer;
import dev.heterolora.model.TokenRows;
import dev.heterolora.proxies.ZeroCostProxy;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.TokenCodec;
import dev.heterolora.trainer.TrainingData;
import dev.heterolora.trainer.world.WorldFiles;
import dev.heterolora.search.AlphaRule;
import dev.heterolora.search.SearchResult;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.SpaceOptions;
import dev.heterolora.search.Strategy;
import dev.heterolora.studies.NewStudy;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora search}: finds how to spend a trainable-parameter budget over LoRA modules and LoRA-adapted
 * shortcuts, ranking candidates by zero-cost proxies, and records the study in the database.
 */
@Command(name = "search", description = "Search adapter placements and ranks under a parameter budget, ranked by "
        + "zero-cost proxies; every trial is stored in the study database.")
final class SearchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    StoreOptions store;

    @Option(names = "--data", paramLabel = "FILE.jsonl", description = "rows for the proxies (\"text\" or "
            + "\"input_ids\"); without --model: the embedded world's demonstrations")
    Path data;

    @Option(names = "--budget", defaultValue = "0.2%", description = "trainable parameters: 0.2%%, 0.002, 150k, "
            + "1.5M (default: ${DEFAULT-VALUE})")
    String budget;

    @Option(names = "--strategy", defaultValue = "ga", description = "ga, nsga2, uniform, random, topk, knapsack "
            + "(default: ${DEFAULT-VALUE})")
    String strategy;

    @Option(names = "--proxy", defaultValue = "snip", description = "fitness proxy: gradnorm, snip, fisher, synflow, "
            + "params, jacov, probe (default: ${DEFAULT-VALUE})")
    String proxy;

    @Option(names = "--vote", split = ",", paramLabel = "PROXY", description = "fitness = mean percentile over these "
            + "proxies (e.g. --vote gradnorm,snip,fisher); overrides --proxy")
    List<String> vote;

    @Option(names = "--ranks", defaultValue = "0,1,2,4,8,16,32,64", description = "allowed ranks (default: "
            + "${DEFAULT-VALUE})")
    String ranks;

    @Option(names = "--sites", defaultValue = "all", description = "projection kinds, e.g. q,v (default: ${DEFAULT-VALUE})")
    String sites;

    @Option(names = "--no-shortcuts", description = "no LoRA-adapted shortcut sites")
    boolean noShortcuts;

    @Option(names = "--alpha", defaultValue = "2r", description = "alpha rule: 2r (= 2·rank) or a fixed number "
            + "(default: ${DEFAULT-VALUE})")
    String alpha;

    @Option(names = "--seed", defaultValue = "0", description = "study seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--population", description = "GA population (default: " + SearchSettings.DEFAULT_POPULATION + ")")
    Integer population;

    @Option(names = "--generations", description = "generation limit (default: " + SearchSettings.DEFAULT_GENERATIONS
            + ")")
    Integer generations;

    @Option(names = "--steady", description = "stop after this many generations without improvement (default: "
            + SearchSettings.DEFAULT_STEADY_GENERATIONS + ")")
    Integer steady;

    @Option(names = "--samples", description = "plans for the random baseline (default: " + SearchSettings.DEFAULT_SAMPLES
            + ")")
    Integer samples;

    @Option(names = "--topk-rank", description = "rank of the topk baseline (default: " + SearchSettings.DEFAULT_TOPK_RANK
            + ")")
    Integer topkRank;

    @Option(names = "--topk-fraction", description = "fraction of sites topk enables (default: as many as fit)")
    Double topkFraction;

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

    @Option(names = "--name", description = "study name (default: strategy-proxy-budget)")
    String name;

    @Option(names = "--resume", paramLabel = "ID", description = "continue an interrupted study")
    Long resume;

    @Option(names = "--json", description = "print a JSON summary")
    boolean json;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (StudyStore db = store.open()) {
            long studyId;
            SearchConfig config;
            if (resume != null) {
                Study s = db.study(resume).orElseThrow(() -> new HeteroloraException("no study with id " + resume));
                if (s.status().equals("finished")) {
                    throw new HeteroloraException("study " + resume + " has finished; nothing to resume");
                }
                config = SearchConfig.fromJson(Json.read(s.configJson()));
                studyId = s.id();
            } else {
                config = newConfig();
                SearchSpace space = SearchJob.space(config);
                studyId = db.createStudy(new NewStudy(name != null ? name
                        : config.strategy() + "-" + String.join("+", config.proxies()) + "-" + config.budgetText(),
                        seed, config.strategy(), config.budgetText(), config.budgetLimit(), config.baseParams(),
                        config.modelPath(), config.modelHash(), config.toJson().toString(), space.toJson().toString()));
            }
            db.setStatus(studyId, "running");
            Thread interrupted = new Thread(() -> markInterrupted(db, studyId));
            Runtime.getRuntime().addShutdownHook(interrupted);
            long start = System.nanoTime();
            SearchResult result;
            try {
                result = SearchJob.run(config, db, studyId, model.compute(), SearchCommand::rows, System.err, !noProgress && !json);
                db.setStatus(studyId, "finished");
            } catch (RuntimeException e) {
                db.setStatus(studyId, "failed");
                throw e;
            } finally {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            }
            report(out, config, studyId, result, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }

    private static void markInterrupted(StudyStore db, long studyId) {
        try {
            db.setStatus(studyId, "interrupted");
        } catch (RuntimeException ignored) {
            // the JVM is going down; the trials are committed and --resume works either way
        }
    }

    private SearchConfig newConfig() {
        Strategy.named(strategy);
        List<String> objective = vote != null && !vote.isEmpty() ? vote : List.of(proxy);
        objective.forEach(ZeroCostProxy::parse);
        if (proxyBatches < 1 || proxyBatchSize < 1 || maxLength < 2 || !(probeStep > 0)) {
            throw new HeteroloraException("--proxy-batches and --proxy-batch-size must be >= 1, --max-length >= 2, "
                    + "--probe-step > 0");
        }
        Budget b = Budget.parse(budget);
        Path dir;
        Path rowsFile;
        String format;
        if (model.model == null) {
            Path world = WorldHome.ensure(store, model.compute(), System.err);
            dir = WorldHome.policy(world);
            rowsFile = data != null ? data : WorldHome.data(world, WorldFiles.SFT);
            format = data != null ? SearchConfig.ROWS : SearchConfig.DEMONSTRATIONS;
        } else {
            if (data == null) {
                throw new HeteroloraException("--data FILE.jsonl is required with --model (rows for the proxies)");
            }
            dir = model.model;
            rowsFile = data;
            format = SearchConfig.ROWS;
        }
        ModelConfig mc = ModelConfig.read(dir);
        long base = mc.baseParameters();
        // --sites names projection kinds; the four shortcut kinds come along unless --no-shortcuts or some are named
        Set<SiteKind> kinds = EnumSet.copyOf(SpaceOptions.parseKinds(sites));
        if (kinds.stream().noneMatch(SiteKind::isShortcut)) {
            Arrays.stream(SiteKind.values()).filter(SiteKind::isShortcut).forEach(kinds::add);
        }
        SpaceOptions options = new SpaceOptions(kinds, !noShortcuts, SpaceOptions.parseRanks(ranks),
                AlphaRule.parse(alpha));
        SearchSettings d = SearchSettings.defaults(seed);
        SearchSettings settings = new SearchSettings(seed, orDefault(population, d.population()),
                orDefault(generations, d.generations()), orDefault(steady, d.steadyGenerations()),
                orDefault(samples, d.samples()), orDefault(topkRank, d.topkRank()),
                topkFraction != null ? topkFraction : d.topkFraction());
        return new SearchConfig(dir.toAbsolutePath().normalize().toString(), ModelFingerprint.of(dir), mc,
                rowsFile.toAbsolutePath().normalize().toString(), format, budget.trim(), b.limit(base), base, strategy, objective,
                vote != null && !vote.isEmpty(), proxyBatches, proxyBatchSize, maxLength, probeStep, options, settings);
    }

    private static int orDefault(Integer v, int d) {
        return v != null ? v : d;
    }

    /** The proxy rows of a configuration, cut to its max length. */
    static List<int[]> rows(SearchConfig c) {
        Path dir = Path.of(c.modelPath());
        List<int[]> rows;
        if (c.dataFormat().equals(SearchConfig.DEMONSTRATIONS)) {
            try (HfTokenCodec codec = HfTokenCodec.load(dir, c.modelConfig())) {
                rows = TrainingData.sft(Path.of(c.dataPath()), codec).stream()
                        .map(e -> TokenCodec.concat(e.prompt(), e.response())).toList();
            }
        } else {
            rows = TokenRows.read(Path.of(c.dataPath()), () -> TextTokenizer.load(dir), c.modelConfig().vocabSize());
        }
        return rows.stream().map(r -> r.length > c.maxLength() ? Arrays.copyOf(r, c.maxLength()) : r).toList();
    }

    private void report(PrintWriter out, SearchConfig c, long studyId, SearchResult r, double seconds) {
        var best = r.best();
        if (json) {
            ObjectNode o = Json.object();
            o.put("study", studyId).put("strategy", r.strategy()).put("evaluations", r.evaluations())
                    .put("seconds", seconds).put("budget", c.budgetText()).put("budget_limit", c.budgetLimit())
                    .put("base_params", c.baseParams());
            ObjectNode b = o.putObject("best");
            b.put("fitness", best.evaluation().fitness()).put("params", best.parameters());
            b.set("plan", best.plan().toJson());
            ObjectNode p = b.putObject("proxies");
            best.evaluation().proxyScores().forEach(p::put);
            o.put("pareto_size", r.paretoFront().size());
            out.println(o);
            return;
        }
        SearchSpace space = SearchJob.space(c);
        List<SiteKind> kinds = Arrays.stream(SiteKind.values())
                .filter(k -> space.sites().stream().anyMatch(s -> s.kind() == k)).toList();
        out.printf("study %d: %s, %d plans evaluated in %.1f s%n", studyId, r.strategy(), r.evaluations(), seconds);
        out.printf("best plan: fitness %.6g, %,d trainable parameters of a %,d budget (%s of %,d base = %.4f%%)%n",
                best.evaluation().fitness(), best.parameters(), c.budgetLimit(), c.budgetText(), c.baseParams(),
                100.0 * best.parameters() / c.baseParams());
        out.print(PlanTable.render(best.plan(), c.modelConfig().layers(), kinds));
        if (!r.paretoFront().isEmpty()) {
            out.printf("Pareto front (%d plans):%n", r.paretoFront().size());
            r.paretoFront().forEach(p -> out.printf("  %,12d params  fitness %.6g%n", p.parameters(),
                    p.evaluation().fitness()));
        }
        out.printf("next: heterolora study %d, or heterolora train --best --study %d%n", studyId, studyId);
    }
}
