package dev.heterolora.app;

import dev.heterolora.studies.Status;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.results.Correlation;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
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
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The validation use case: do the proxies predict anything? Trains plans spread over a study's fitness range (plus
 * the uniform baseline at the same budget) briefly with the same data order and seed, measures the held-out loss
 * (and oracle accuracy on the embedded world), and stores each proxy's rank correlation with the result, with
 * bootstrap intervals and the regret of its top pick. A run that was interrupted continues where it stopped.
 */
public final class ValidationJob {
    private ValidationJob() {}

    /** What to validate and how long to train each plan; {@code studyId} null = the latest study. */
    public record Request(Long studyId, int sample, int steps, double learningRate, int batchSize, int heldOut,
                          Long resumeRun) {
        /** Checks the numbers (one-line error). */
        public Request {
            if (sample < 2 || steps < 1 || batchSize < 1 || heldOut < 1) {
                throw new HeteroloraException("--sample must be >= 2; --steps, --batch-size, --held-out >= 1");
            }
        }
    }

    /** Reports each plan trained (for a progress bar). */
    @FunctionalInterface
    public interface Progress {
        /** Plan {@code done} of {@code total} is trained (or was already). */
        void planDone(int done, int total);
    }

    /** The validation run's id; its plans and correlations are in the store. */
    public record Outcome(long runId) {}

    private record Candidate(String label, Long trialId, AdapterPlan plan, long params, Map<String, Double> scores) {}

    /** The data a validation trains and judges on. */
    private record Data(List<SftExample> train, List<SftExample> test, List<Task> tasks) {}

    /** Runs (or continues) the validation of {@code r} against the study database. */
    public static Outcome run(StudyStorage db, Request r, ComputeSettings compute, Progress progress, PrintStream log) {
        Study s = r.studyId() == null ? db.latestStudy()
                : db.study(r.studyId()).orElseThrow(() -> new HeteroloraException("no study with id " + r.studyId()));
        SearchConfig config = SearchConfig.fromJson(Json.read(s.configJson()));
        SearchSpace space = SearchJob.space(config);
        Path policyDir = Path.of(config.modelPath());
        long runId = r.resumeRun() != null ? r.resumeRun() : db.createRun(s.id(), null, "validate", Json.object()
                .put("sample", r.sample()).put("steps", r.steps()).put("lr", r.learningRate())
                .put("batch_size", r.batchSize()).put("held_out", r.heldOut()).toString(), null);
        Set<String> done = db.validations(runId).stream().map(Validation::label)
                .collect(Collectors.toCollection(TreeSet::new));
        boolean world = config.dataFormat().equals(SearchConfig.DEMONSTRATIONS);
        // rows come tokenised; only the world's text data (and its oracle) needs the model's tokenizer
        try (HfTokenCodec codec = world ? HfTokenCodec.load(policyDir, config.modelConfig()) : null) {
            Data data = data(config, codec, r.heldOut());
            List<Candidate> candidates = candidates(db, s, config, space, r.sample(), compute, log);
            TrainSettings settings = TrainSettings.defaults().withLearningRate(r.learningRate())
                    .withBatchSize(r.batchSize()).withSteps(r.steps()).withWarmup(Math.min(10, r.steps() / 5))
                    .withSeed(config.settings().seed()).withProgress(false);
            for (int i = 0; i < candidates.size(); i++) {
                Candidate c = candidates.get(i);
                if (!done.contains(c.label())) {
                    train(db, runId, c, policyDir, settings, data, codec, compute);
                }
                progress.planDone(i + 1, candidates.size());
            }
        }
        correlate(db, runId, db.validations(runId), config.settings().seed());
        db.finishRun(runId, Status.FINISHED, null);
        return new Outcome(runId);
    }

    /**
     * The world's demonstrations and held-out tasks (with the world's codec), or else the study's rows split into
     * train and held-out rows.
     */
    private static Data data(SearchConfig config, HfTokenCodec codec, int heldOut) {
        if (codec != null) {
            List<SftExample> train = TrainingData.sft(Path.of(config.dataPath()), codec);
            List<Task> tasks = WorldFiles.readEval(Path.of(config.dataPath()).resolveSibling(WorldFiles.EVAL));
            tasks = tasks.subList(0, Math.min(heldOut, tasks.size()));
            List<SftExample> test = tasks.stream().map(t -> SftExample.of(codec, new Demonstration(t.prompt(),
                    t.answer() + "."))).toList();
            return new Data(train, test, tasks);
        }
        List<int[]> rows = SearchJob.rows(config);
        int cut = Math.max(1, rows.size() - Math.min(heldOut, rows.size() / 5));
        List<SftExample> all = rows.stream().map(x -> new SftExample(new int[] {x[0]},
                Arrays.copyOfRange(x, 1, x.length))).toList();
        return new Data(all.subList(0, cut), all.subList(cut, all.size()), List.of());
    }

    /** N trials evenly spread over the distinct feasible plans ranked by fitness, plus the uniform baseline. */
    private static List<Candidate> candidates(StudyStorage db, Study s, SearchConfig config, SearchSpace space,
                                              int sample, ComputeSettings compute, PrintStream log) {
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
            try (SearchJob.Scoring scoring = SearchJob.scoring(config, space, compute, log)) {
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

    private static void train(StudyStorage db, long runId, Candidate c, Path policyDir, TrainSettings settings,
                              Data data, HfTokenCodec codec, ComputeSettings compute) {
        long start = System.nanoTime();
        try (CausalLM lm = HfCheckpoint.load(policyDir, compute)) {
            new SftTrainer(lm, new Tuning.Lora(c.plan(), 0f), settings).train(data.train());
            double loss = SftTrainer.evaluate(lm, data.test(), 64, settings.maxLength());
            double accuracy = data.tasks().isEmpty() ? Double.NaN
                    : WorldEvaluation.run(lm, codec, data.tasks(), 0, settings.seed(), 16, 128).accuracy();
            Map<String, Double> extra = new LinkedHashMap<>(c.trialId() == null ? c.scores() : Map.of());
            db.recordValidation(new NewValidation(runId, c.trialId(), c.label(), c.plan().toJsonString(), c.params(),
                    loss, accuracy, (System.nanoTime() - start) / 1e9, extra));
        }
    }

    private static void correlate(StudyStorage db, long runId, List<Validation> results,
                                  long seed) {
        Set<String> proxies = new TreeSet<>();
        results.forEach(v -> proxies.addAll(v.proxyScores().keySet()));
        for (String proxy : proxies) {
            List<Validation> with = results.stream()
                    .filter(v -> v.proxyScores().containsKey(proxy)).toList();
            if (with.size() < 3) {
                continue;
            }
            double[] x = with.stream().mapToDouble(v -> v.proxyScores().get(proxy)).toArray();
            double[] loss = with.stream().mapToDouble(Validation::trainedLoss).toArray();
            db.recordCorrelation(Correlation.of(x, loss, false, seed, 2000)
                    .toRecord(runId, proxy, ValidationCorrelation.TRAINED_LOSS));
            double[] acc = with.stream().mapToDouble(Validation::oracleAccuracy).toArray();
            if (Arrays.stream(acc).allMatch(Double::isFinite)) {
                db.recordCorrelation(Correlation.of(x, acc, true, seed, 2000)
                        .toRecord(runId, proxy, ValidationCorrelation.ORACLE_ACCURACY));
            }
        }
    }
}
