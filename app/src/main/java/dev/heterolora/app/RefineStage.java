package dev.heterolora.app;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.search.Baseline;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Validation;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The multi-fidelity stage after a proxy search (successive halving, as Hyperband/ASHA): the study's top distinct
 * plans and the baselines that fit (PEFT's default LoRA, all-linear) get short real SFT trainings; at every rung the
 * better half (1/eta) by held-out loss goes on with eta times the steps, and the plan with the best loss at the last
 * rung wins. The losses come from a split of the training data, never from the evaluation tasks. The winner is what
 * {@code train --best} trains; every training is stored as a validation row of a run of kind {@code refine}.
 */
public final class RefineStage {
    private RefineStage() {}

    /** The run kind that holds a study's refine stage. */
    public static final String KIND = "refine";
    /** The score name under which each stored training keeps its rung (and its steps). */
    private static final String RUNG = "rung";
    private static final String STEPS = "steps";

    /**
     * @param candidates top distinct plans of the study to refine (the baselines come on top)
     * @param steps      SFT steps at the last rung
     * @param eta        the halving rate: 1/eta of the plans go on, with eta times the steps
     */
    public record Request(int candidates, int steps, double learningRate, int batchSize, int heldOut, int eta) {
        /** The defaults behind {@code search --refine N}. */
        public static Request defaults(int candidates) {
            return new Request(candidates, 200, 1e-3, 16, 200, 2);
        }
    }

    /** One plan in the stage and its held-out loss at each rung it reached. */
    public record Entry(String label, Long trialId, AdapterPlan plan, long params, List<Double> losses) {
        double last() {
            return losses.get(losses.size() - 1);
        }
    }

    /** The stored run, the winner and every entry. */
    public record Outcome(long runId, Entry winner, List<Entry> entries) {}

    /** Runs the stage for a finished search of {@code studyId}. */
    public static Outcome run(StudyStorage db, long studyId, SearchConfig config, Request r, ComputeSettings compute,
                              PrintStream log) {
        SearchSpace space = SearchJob.space(config);
        List<Entry> entries = candidates(db, studyId, config, space, r.candidates(), log);
        int rungs = 1;
        for (int n = entries.size(); n > 1; n = (n + r.eta() - 1) / r.eta()) {
            rungs++;
        }
        long runId = db.createRun(studyId, null, KIND, Json.object().put("candidates", r.candidates())
                .put("steps", r.steps()).put("eta", r.eta()).put("rungs", rungs).toString(), null);
        try (PlanTrials trials = PlanTrials.validationSplit(config, r.heldOut(), compute)) {
            List<Entry> alive = entries;
            for (int rung = 0; rung < rungs; rung++) {
                int steps = Math.max(1, (int) (r.steps() / Math.pow(r.eta(), rungs - 1 - rung)));
                for (Entry e : alive) {
                    PlanTrials.Result res = trials.train(e.plan(), PlanTrials.settings(steps, r.learningRate(),
                            r.batchSize(), config.settings().seed()));
                    e.losses().add(res.loss());
                    db.recordValidation(new NewValidation(runId, e.trialId(), "rung " + rung + " (" + steps
                            + " steps): " + e.label(), e.plan().toJsonString(), e.params(), res.loss(), Double.NaN,
                            res.seconds(), Map.of(RUNG, (double) rung, STEPS, (double) steps)));
                }
                List<Entry> ranked = alive.stream().sorted(Comparator.comparingDouble(Entry::last)).toList();
                log.printf("refine rung %d: %d plans × %d steps; best %s (loss %.4f)%n", rung, alive.size(), steps,
                        ranked.get(0).label(), ranked.get(0).last());
                alive = ranked.subList(0, Math.max(1, (ranked.size() + r.eta() - 1) / r.eta()));
            }
            Entry winner = alive.get(0);
            db.finishRun(runId, Status.FINISHED, null);
            return new Outcome(runId, winner, entries);
        } catch (RuntimeException e) {
            db.finishRun(runId, Status.FAILED, e.getMessage());
            throw e;
        }
    }

    /**
     * The plan the latest finished refine stage of a study chose, if the study has one: what {@code train --best}
     * trains instead of the proxy's best.
     */
    public static Optional<AdapterPlan> winner(StudyStorage db, long studyId) {
        return db.runs(studyId).stream().filter(x -> x.kind().equals(KIND) && x.status() == Status.FINISHED)
                .max(Comparator.comparingLong(Run::id))
                .flatMap(x -> db.validations(x.id()).stream().filter(v -> Double.isFinite(v.trainedLoss()))
                        .min(Comparator.comparingDouble((Validation v) -> -v.proxyScores().getOrDefault(RUNG, 0.0))
                                .thenComparingDouble(Validation::trainedLoss)))
                .map(v -> AdapterPlan.fromJson(v.planJson()));
    }

    private static List<Entry> candidates(StudyStorage db, long studyId, SearchConfig config, SearchSpace space,
                                          int n, PrintStream log) {
        Map<String, Entry> distinct = new LinkedHashMap<>();
        for (Trial t : db.topTrials(studyId, Math.max(n * 20, 100))) {
            AdapterPlan plan = AdapterPlan.fromJson(t.planJson());
            if (distinct.size() < n) {
                distinct.putIfAbsent(plan.toJsonString(), new Entry("trial " + t.id(), t.id(), plan, t.params(),
                        new ArrayList<>()));
            }
        }
        Baseline.fittingPlans(List.of(Baseline.PEFT_DEFAULT, Baseline.ALL_LINEAR), space, config.settings(),
                unfit -> log.println("refine: no " + unfit.baseline().id() + " candidate: " + unfit.message()))
                .forEach((b, plan) -> distinct.putIfAbsent(plan.toJsonString(), new Entry(b.id(), null, plan,
                        plan.trainableParameters(config.modelConfig()), new ArrayList<>())));
        return new ArrayList<>(distinct.values());
    }
}
