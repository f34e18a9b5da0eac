package dev.heterolora.cli;

import dev.heterolora.studies.Status;

import dev.heterolora.app.SearchJob;

import dev.heterolora.app.SearchConfig;

import dev.heterolora.app.Json;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.app.ProxyPlanFitness;
import dev.heterolora.search.Replay;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.SiteScores;
import dev.heterolora.search.Strategy;
import dev.heterolora.search.TrialRecord;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora replay [ID|NAME]}: re-runs a finished study's search from its stored seed and configuration with
 * fitness looked up from its trials, and checks that the same plans come out in the same order. {@code topk} and
 * {@code knapsack} need the per-site scores, which are recomputed from the model and data (as {@code --rescore}).
 */
@Command(name = "replay", description = "Re-run a study from its seed and configuration with the stored fitness and "
        + "check the plans come out identical (exit 1 with the first difference); --rescore recomputes the proxies.")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Mixin
    ModelOptions compute;

    @Parameters(index = "0", paramLabel = "ID|NAME", arity = "0..1", description = "study id or name (default: the "
            + "latest finished)")
    String ref;

    @Option(names = "--rescore", description = "also recompute every trial's proxy scores and report the largest "
            + "relative difference")
    boolean rescore;

    @Option(names = "--tolerance", defaultValue = "1e-3", description = "largest relative re-score difference that "
            + "passes (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (StudyStore db = store.open()) {
            Study study = StudyRef.find(db, ref);
            long id = study.id();
            if (study.status() != Status.FINISHED) {
                throw new HeteroloraException("study " + id + " is " + study.status() + "; resume it first "
                        + "(heterolora search --resume " + id + ")");
            }
            SearchConfig config = SearchConfig.ofThisVersion(Json.read(study.configJson()), id,
                    "; this heterolora searches with version %d and cannot replay it bit for bit");
            SearchSpace space = SearchJob.space(config);
            List<TrialRecord> records = SearchJob.records(db, id);
            Strategy strategy = Strategy.named(config.strategy());
            // every strategy but the fixed rules and random sampling reads the per-site scores (DP, seeds, topk)
            boolean needsScores = !List.of("uniform", "peft-default", "all-linear", "random").contains(strategy.name());
            int status = 0;
            if (needsScores || rescore) {
                try (SearchJob.Scoring scoring = SearchJob.scoring(config, space, compute.compute(), System.err)) {
                    ProxyPlanFitness f = new ProxyPlanFitness(scoring.scorer(), config.space().alpha());
                    if (rescore) {
                        status = rescore(out, scoring.scorer(), records);
                    }
                    return needsScores ? check(out, strategy, space, config, records, f.additive(), f.surrogate(), status)
                            : check(out, strategy, space, config, records, Optional.empty(), Optional.empty(), status);
                }
            }
            return check(out, strategy, space, config, records, Optional.empty(), Optional.empty(), status);
        }
    }

    private int check(PrintWriter out, Strategy strategy, SearchSpace space, SearchConfig config,
                      List<TrialRecord> records, Optional<SiteScores> additive, Optional<SiteScores> surrogate,
                      int status) {
        Optional<String> difference = Replay.check(strategy, space, config.settings(), records, additive, surrogate);
        if (difference.isPresent()) {
            out.println("replay differs: " + difference.get());
            return 1;
        }
        out.printf("replay identical: %d trials in the recorded order%n", records.size());
        return status;
    }

    private int rescore(PrintWriter out, PlanScorer scorer, List<TrialRecord> records) {
        Map<String, Double> worst = new TreeMap<>();
        List<PlanScorer.Scored> fresh = scorer.score(records.stream().map(TrialRecord::plan).toList());
        for (int i = 0; i < records.size(); i++) {
            Map<String, Double> stored = records.get(i).evaluation().proxyScores();
            for (Map.Entry<String, Double> e : fresh.get(i).scores().entrySet()) {
                Double old = stored.get(e.getKey());
                if (old == null) {
                    continue;
                }
                double diff = Math.abs(e.getValue() - old) / Math.max(Math.abs(old), 1e-12);
                worst.merge(e.getKey(), diff, Math::max);
            }
        }
        double max = worst.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        worst.forEach((k, v) -> out.printf("rescore %-9s largest relative difference %.3g%n", k, v));
        out.printf("rescore: largest relative difference %.3g (tolerance %.3g)%n", max, tolerance);
        return max <= tolerance ? 0 : 1;
    }
}
