package dev.heterolora.app;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.results.Correlation;
import dev.heterolora.search.Baseline;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.studies.Heartbeat;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
import dev.heterolora.trainer.TrainSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The validation use case: do the proxies predict anything? Trains plans spread over a study's fitness range (plus
 * the baselines peft-default and all-linear at the same budget, when they fit; seeded random plans within the budget
 * fill the sample when the study has fewer distinct plans, as an exact search has one) briefly with the same data
 * order and seed, measures the held-out loss (and oracle accuracy on the embedded world), and stores each proxy's
 * rank correlation with the result, with bootstrap intervals and the regret of its top pick. A run that was interrupted continues where it stopped.
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

        /** This request for another study (null: the latest finished one). */
        public Request withStudy(Long id) {
            return new Request(id, sample, steps, learningRate, batchSize, heldOut, resumeRun);
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

    /** Runs (or continues) the validation of {@code r} against the study database. */
    public static Outcome run(StudyStorage db, Request r, ComputeSettings compute, Progress progress, PrintStream log) {
        Study s = r.studyId() == null ? db.latestStudy()
                : db.study(r.studyId()).orElseThrow(() -> new HeteroloraException("no study with id " + r.studyId()));
        SearchConfig config = SearchConfig.fromJson(Json.read(s.configJson()));
        SearchSpace space = SearchJob.space(config);
        long runId = r.resumeRun() != null ? r.resumeRun() : db.createRun(s.id(), null, "validate", Json.object()
                .put("sample", r.sample()).put("steps", r.steps()).put("lr", r.learningRate())
                .put("batch_size", r.batchSize()).put("held_out", r.heldOut()).toString(), null);
        Set<String> done = db.validations(runId).stream().map(Validation::label)
                .collect(Collectors.toCollection(TreeSet::new));
        try (Heartbeat beat = Heartbeat.ofRun(db, runId);
             Interruption stop = Interruption.register(() -> db.finishRun(runId, Status.INTERRUPTED, "interrupted"),
                     "interrupted; run " + runId + " marked interrupted (resume: heterolora validate --resume " + runId
                             + ")", log);
             PlanTrials trials = PlanTrials.of(config, PlanTrials.worldEval(config), r.heldOut(), compute)) {
            List<Candidate> candidates = candidates(db, s, config, space, r.sample(), compute, log);
            TrainSettings settings = PlanTrials.settings(r.steps(), r.learningRate(), r.batchSize(),
                    config.settings().seed());
            for (int i = 0; i < candidates.size(); i++) {
                Candidate c = candidates.get(i);
                if (!done.contains(c.label())) {
                    PlanTrials.Result result = trials.train(c.plan(), settings);
                    Map<String, Double> extra = new LinkedHashMap<>(c.trialId() == null ? c.scores() : Map.of());
                    db.recordValidation(new NewValidation(runId, c.trialId(), c.label(), c.plan().toJsonString(),
                            c.params(), result.loss(), result.accuracy(), result.seconds(), extra));
                }
                progress.planDone(i + 1, candidates.size());
            }
            correlate(db, runId, db.validations(runId), config.settings().seed());
            db.finishRun(runId, Status.FINISHED, null);
        }
        return new Outcome(runId);
    }

    /** N trials evenly spread over the distinct feasible plans ranked by fitness, plus the baselines that fit. */
    private static List<Candidate> candidates(StudyStorage db, Study s, SearchConfig config, SearchSpace space,
                                              int sample, ComputeSettings compute, PrintStream log) {
        Map<String, Trial> distinct = new LinkedHashMap<>();
        db.trials(s.id()).stream().filter(t -> t.feasible() && Double.isFinite(t.fitness()))
                .sorted((a, b) -> Double.compare(b.fitness(), a.fitness()))
                .forEach(t -> distinct.putIfAbsent(AdapterPlan.fromJson(t.planJson()).toJsonString(), t));
        List<Trial> ranked = new ArrayList<>(distinct.values());
        if (ranked.isEmpty()) {
            throw new HeteroloraException("study " + s.id() + " has no feasible plan");
        }
        List<Candidate> out = new ArrayList<>();
        int n = Math.min(sample, ranked.size());
        for (int i = 0; i < n; i++) {
            Trial t = ranked.get(n == 1 ? 0 : (int) Math.round(i * (ranked.size() - 1.0) / (n - 1)));
            out.add(new Candidate("trial " + t.id(), t.id(), AdapterPlan.fromJson(t.planJson()), t.params(),
                    t.proxyScores()));
        }
        List<AdapterPlan> baselines = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        // an exact search stores one plan (the optimum): seeded random plans within the budget give the spread
        List<AdapterPlan> random = Baseline.RANDOM.plans(space, config.settings(), Optional.empty());
        for (int i = 0; i < Math.min(sample - n, random.size()); i++) {
            baselines.add(random.get(i));
            labels.add("random " + (i + 1));
        }
        Baseline.fittingPlans(List.of(Baseline.PEFT_DEFAULT, Baseline.ALL_LINEAR), space, config.settings(),
                unfit -> log.println("validate: no " + unfit.baseline().id() + " baseline: " + unfit.message()))
                .forEach((b, plan) -> {
                    baselines.add(plan);
                    labels.add(b.id() + " r=" + plan.adapters().values().iterator().next().rank());
                });
        if (out.size() + baselines.size() < 2) {
            throw new HeteroloraException("study " + s.id() + " gives fewer than 2 plans to validate");
        }
        if (!baselines.isEmpty()) {
            try (SearchJob.Scoring scoring = SearchJob.scoring(config, space, compute, log)) {
                List<PlanScorer.Scored> scored = scoring.scorer().score(baselines);
                for (int i = 0; i < baselines.size(); i++) {
                    AdapterPlan plan = baselines.get(i);
                    out.add(new Candidate(labels.get(i), null, plan, plan.trainableParameters(config.modelConfig()),
                            scored.get(i).scores()));
                }
            }
        }
        return out;
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
