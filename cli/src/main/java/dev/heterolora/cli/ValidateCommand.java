package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.results.Correlation;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.SftExample;
import dev.heterolora.trainer.SftTrainer;
import dev.heterolora.trainer.TrainSettings;
import dev.heterolora.trainer.TrainingData;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.world.Demonstration;
import dev.heterolora.trainer.world.Task;
import dev.heterolora.trainer.world.WorldEvaluation;
import dev.heterolora.trainer.world.WorldFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora validate}: do the proxies predict anything? Trains plans spread over a study's fitness range
 * (plus the uniform baseline at the same budget) briefly with the same data order and seed, measures the held-out
 * loss (and oracle accuracy on the embedded world), and reports each proxy's rank correlation with the result, with
 * bootstrap intervals and the regret of its top pick.
 */
@Command(name = "validate", description = "Train N plans of a study briefly and measure how well each proxy's "
        + "ranking predicts the trained result (Spearman, Kendall, bootstrap CI, regret).")
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Mixin
    ModelOptions compute;

    @Option(names = "--study", paramLabel = "ID", description = "study (default: the latest)")
    Long study;

    @Option(names = "--sample", defaultValue = "8", description = "plans to train (default: ${DEFAULT-VALUE})")
    int sample;

    @Option(names = "--steps", defaultValue = "60", description = "SFT steps per plan (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--lr", defaultValue = "1e-3", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch-size", defaultValue = "16", description = "rows per step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--held-out", defaultValue = "200", description = "held-out examples (default: ${DEFAULT-VALUE})")
    int heldOut;

    @Option(names = "--resume", paramLabel = "RUN", description = "continue an interrupted validation run")
    Long resume;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    private record Candidate(String label, Long trialId, AdapterPlan plan, long params, Map<String, Double> scores) {}

    @Override
    public Integer call() {
        if (sample < 2 || steps < 1 || batchSize < 1 || heldOut < 1) {
            throw new HeteroloraException("--sample must be >= 2; --steps, --batch-size, --held-out >= 1");
        }
        try (StudyStore db = store.open()) {
            Study s = study == null ? db.latestStudy()
                    : db.study(study).orElseThrow(() -> new HeteroloraException("no study with id " + study));
            SearchConfig config = SearchConfig.fromJson(Json.read(s.configJson()));
            SearchSpace space = SearchJob.space(config);
            Path policyDir = Path.of(config.modelPath());
            long runId = resume != null ? resume : db.createRun(s.id(), null, "validate", Json.object()
                    .put("sample", sample).put("steps", steps).put("lr", lr).put("batch_size", batchSize)
                    .put("held_out", heldOut).toString(), null);
            Set<String> done = db.validations(runId).stream().map(Validation::label)
                    .collect(Collectors.toCollection(TreeSet::new));
            try (HfTokenCodec codec = HfTokenCodec.load(policyDir, config.modelConfig())) {
                boolean world = config.dataFormat().equals(SearchConfig.DEMONSTRATIONS);
                List<SftExample> train;
                List<SftExample> test;
                List<Task> tasks = List.of();
                if (world) {
                    train = TrainingData.sft(Path.of(config.dataPath()), codec);
                    Path evalFile = Path.of(config.dataPath()).resolveSibling(WorldFiles.EVAL);
                    tasks = WorldFiles.readEval(evalFile);
                    tasks = tasks.subList(0, Math.min(heldOut, tasks.size()));
                    test = tasks.stream().map(t -> SftExample.of(codec, new Demonstration(t.prompt(),
                            t.answer() + "."))).toList();
                } else {
                    List<int[]> rows = SearchCommand.rows(config);
                    int cut = Math.max(1, rows.size() - Math.min(heldOut, rows.size() / 5));
                    List<SftExample> all = rows.stream().map(r -> new SftExample(new int[] {r[0]},
                            java.util.Arrays.copyOfRange(r, 1, r.length))).toList();
                    train = all.subList(0, cut);
                    test = all.subList(cut, all.size());
                }
                List<Candidate> candidates = candidates(db, s, config, space);
                TrainSettings settings = TrainSettings.defaults().withLearningRate(lr).withBatchSize(batchSize)
                        .withSteps(steps).withWarmup(Math.min(10, steps / 5)).withSeed(config.settings().seed())
                        .withProgress(false);
                try (ProgressBar bar = json ? null : new ProgressBarBuilder().setTaskName("validate")
                        .setInitialMax(candidates.size()).setStyle(ProgressBarStyle.ASCII).build()) {
                    for (Candidate c : candidates) {
                        if (!done.contains(c.label())) {
                            train(db, runId, c, policyDir, settings, train, test, tasks, codec);
                        }
                        if (bar != null) {
                            bar.step();
                        }
                    }
                }
            }
            List<Validation> results = db.validations(runId);
            correlate(db, runId, results, config.settings().seed());
            db.finishRun(runId, "finished", null);
            print(spec.commandLine().getOut(), runId, results, db.correlations(runId));
        }
        return 0;
    }

    /** N trials evenly spread over the distinct feasible plans ranked by fitness, plus the uniform baseline. */
    private List<Candidate> candidates(StudyStore db, Study s, SearchConfig config, SearchSpace space) {
        Map<String, Trial> distinct = new LinkedHashMap<>();
        db.trials(s.id()).stream().filter(t -> t.feasible() && Double.isFinite(t.fitness()))
                .sorted((a, b) -> Double.compare(b.fitness(), a.fitness()))
                .forEach(t -> distinct.putIfAbsent(AdapterPlan.fromJson(t.planJson()).toJsonString(), t));
        List<Trial> ranked = new ArrayList<>(distinct.values());
        if (ranked.size() < 2) {
            throw new HeteroloraException("study " + s.id() + " has fewer than 2 distinct feasible plans");
        }
        List<Candidate> out = new ArrayList<>();
        int n = Math.min(sample, ranked.size());
        for (int i = 0; i < n; i++) {
            Trial t = ranked.get((int) Math.round(i * (ranked.size() - 1.0) / (n - 1)));
            out.add(new Candidate("trial " + t.id(), t.id(), AdapterPlan.fromJson(t.planJson()), t.params(),
                    t.proxyScores()));
        }
        AdapterPlan uniform = uniformBaseline(config, space);
        if (uniform != null) {
            Map<String, Double> scores = new LinkedHashMap<>();
            try (SearchJob.Scoring scoring = SearchJob.scoring(config, space, compute.compute(), SearchCommand::rows,
                    System.err)) {
                PlanScorer.Scored sc = scoring.scorer().score(List.of(uniform)).get(0);
                scores.putAll(sc.scores());
            }
            int r = uniform.adapters().values().iterator().next().rank();
            out.add(new Candidate("uniform r=" + r, null, uniform, uniform.trainableParameters(config.modelConfig()),
                    scores));
        }
        return out;
    }

    /** The largest rank that fits the budget on every projection site of the space; null if none. */
    private static AdapterPlan uniformBaseline(SearchConfig config, SearchSpace space) {
        List<AdapterSite> projections = space.sites().stream().filter(x -> !x.kind().isShortcut()).toList();
        AdapterPlan best = null;
        for (int rank : config.space().ranks()) {
            if (rank == 0) {
                continue;
            }
            AdapterPlan p = AdapterPlan.uniform(projections, rank, config.space().alpha().alpha(rank));
            if (p.trainableParameters(config.modelConfig()) <= config.budgetLimit()) {
                best = p;
            }
        }
        return best;
    }

    private void train(StudyStore db, long runId, Candidate c, Path policyDir, TrainSettings settings,
                       List<SftExample> train, List<SftExample> test, List<Task> tasks, HfTokenCodec codec) {
        long start = System.nanoTime();
        try (CausalLM lm = HfCheckpoint.load(policyDir, compute.compute())) {
            new SftTrainer(lm, new Tuning.Lora(c.plan(), 0f), settings).train(train);
            double loss = SftTrainer.evaluate(lm, test, 64, settings.maxLength());
            double accuracy = tasks.isEmpty() ? Double.NaN
                    : WorldEvaluation.run(lm, codec, tasks, 0, settings.seed(), 16, 128).accuracy();
            Map<String, Double> extra = new LinkedHashMap<>(c.trialId() == null ? c.scores() : Map.of());
            db.recordValidation(new NewValidation(runId, c.trialId(), c.label(), c.plan().toJsonString(), c.params(),
                    loss, accuracy, (System.nanoTime() - start) / 1e9, extra));
        }
    }

    private static void correlate(StudyStore db, long runId, List<Validation> results, long seed) {
        Set<String> proxies = new TreeSet<>();
        results.forEach(v -> proxies.addAll(v.proxyScores().keySet()));
        for (String proxy : proxies) {
            List<Validation> with = results.stream().filter(v -> v.proxyScores().containsKey(proxy)).toList();
            if (with.size() < 3) {
                continue;
            }
            double[] x = with.stream().mapToDouble(v -> v.proxyScores().get(proxy)).toArray();
            double[] loss = with.stream().mapToDouble(Validation::trainedLoss).toArray();
            db.recordCorrelation(Correlation.of(x, loss, false, seed, 2000)
                    .toRecord(runId, proxy, ValidationCorrelation.TRAINED_LOSS));
            double[] acc = with.stream().mapToDouble(Validation::oracleAccuracy).toArray();
            if (java.util.Arrays.stream(acc).allMatch(Double::isFinite)) {
                db.recordCorrelation(Correlation.of(x, acc, true, seed, 2000)
                        .toRecord(runId, proxy, ValidationCorrelation.ORACLE_ACCURACY));
            }
        }
    }

    private void print(PrintWriter out, long runId, List<Validation> results, List<ValidationCorrelation> corr) {
        if (json) {
            ObjectNode o = Json.object().put("run", runId);
            ArrayNode plans = o.putArray("plans");
            results.forEach(v -> plans.addObject().put("label", v.label()).put("params", v.params())
                    .put("trained_loss", v.trainedLoss()).put("oracle_accuracy", v.oracleAccuracy()));
            ArrayNode cs = o.putArray("correlations");
            corr.forEach(c -> cs.addObject().put("proxy", c.proxy()).put("target", c.target())
                    .put("spearman", c.spearman()).put("spearman_low", c.spearmanLow())
                    .put("spearman_high", c.spearmanHigh()).put("kendall", c.kendall())
                    .put("kendall_low", c.kendallLow()).put("kendall_high", c.kendallHigh()).put("regret", c.regret())
                    .put("n", c.n()));
            out.println(o);
            return;
        }
        out.printf("validation run %d: %d plans%n", runId, results.size());
        out.printf("%-16s %10s %12s %10s%n", "plan", "params", "held-out loss", "accuracy");
        results.forEach(v -> out.printf("%-16s %,10d %12.4f %10.3f%n", v.label(), v.params(), v.trainedLoss(),
                v.oracleAccuracy()));
        out.printf("%n%-10s %-16s %22s %22s %9s%n", "proxy", "target", "Spearman [95% CI]", "Kendall [95% CI]",
                "regret");
        corr.forEach(c -> out.printf("%-10s %-16s %6.3f [%6.3f,%6.3f] %6.3f [%6.3f,%6.3f] %9.4f%n", c.proxy(),
                c.target(), c.spearman(), c.spearmanLow(), c.spearmanHigh(), c.kendall(), c.kendallLow(),
                c.kendallHigh(), c.regret()));
        out.println("(positive = the proxy ranks plans as training does; regret = result of the proxy's top pick "
                + "minus the best result)");
    }
}
