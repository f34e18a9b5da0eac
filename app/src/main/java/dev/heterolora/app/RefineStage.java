package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.search.Baseline;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.studies.ClaimedUnit;
import dev.heterolora.studies.Heartbeat;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.WorkQueue;
import dev.heterolora.studies.Worker;
import java.io.PrintStream;
import java.time.Duration;
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
 *
 * <p>Several processes share a stage (one machine or many, one database): every (rung, plan) is a unit of the
 * study's queue {@code study:ID:refine:…} (named after the stage's settings). Rungs are sequential: every worker
 * drains rung r, computes the survivors from the stored losses (every worker computes the same list), enqueues
 * rung r+1 (idempotent by key) and drains it. The stage's run is created once, by the first worker (a unit of its
 * own), and finished once. A redone unit (its worker died, its lease ran out) overwrites its validation row, which
 * is keyed by (run, label). Running the stage again joins it while it runs, resumes it after a crash, and returns
 * the stored outcome once it has finished.
 */
public final class RefineStage {
    private RefineStage() {}

    /** The run kind that holds a study's refine stage. */
    public static final String KIND = "refine";
    /** How long a dead worker's training waits before another takes it, when the caller does not say. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(120);
    /** The score name under which each stored training keeps its rung (and its steps). */
    private static final String RUNG = "rung";
    private static final String STEPS = "steps";

    /**
     * @param candidates top distinct plans of the study to refine (the baselines come on top)
     * @param steps      SFT steps at the last rung
     * @param eta        the halving rate: 1/eta of the plans go on, with eta times the steps
     */
    public record Request(int candidates, int steps, double learningRate, int batchSize, int heldOut, int eta) {
        /** Checks the numbers (one line before any work). */
        public Request {
            if (candidates < 1 || steps < 1 || batchSize < 1 || heldOut < 1 || eta < 2 || !(learningRate > 0)) {
                throw new HeteroloraException("a refine stage needs --candidates >= 1, steps >= 1, a positive "
                        + "learning rate, batch size >= 1, held-out >= 1 and eta >= 2");
            }
        }

        /** The defaults behind {@code search --refine N}. */
        public static Request defaults(int candidates) {
            return new Request(candidates, 200, 1e-3, 16, 200, 2);
        }

        /** The stage's queue within the study: one per settings, so another stage of the study never mixes in. */
        public String queue(long studyId) {
            return StudyStorage.studyQueue(studyId, "refine:c" + candidates + "-s" + steps + "-eta" + eta + "-lr"
                    + learningRate + "-b" + batchSize + "-h" + heldOut);
        }
    }

    /** One plan in the stage and its held-out loss at each rung it reached. */
    public record Entry(String label, Long trialId, AdapterPlan plan, long params, List<Double> losses) {
        double last() {
            return losses.get(losses.size() - 1);
        }
    }

    /**
     * The stored run, the winner and every entry.
     *
     * @param trainedHere how many trainings this process did
     */
    public record Outcome(long runId, Entry winner, List<Entry> entries, int trainedHere) {}

    /** Runs (or joins, or resumes) the stage for a finished search of {@code studyId}, with the default lease. */
    public static Outcome run(StudyStorage db, long studyId, SearchConfig config, Request r, ComputeSettings compute,
                              PrintStream log) {
        return run(db, studyId, config, r, DEFAULT_LEASE, compute, log);
    }

    /**
     * Runs, joins or resumes the stage of {@code studyId}, whose trials must all be stored: every training this
     * process does is a unit it claims, with a lease of {@code lease} that it renews while it trains. The caller
     * owns what a SIGTERM does (the search marks its study); the stage's run, left running, is marked interrupted
     * once its heartbeat is stale.
     */
    public static Outcome run(StudyStorage db, long studyId, SearchConfig config, Request r, Duration lease,
                              ComputeSettings compute, PrintStream log) {
        return stage(db, studyId, config, r, lease, compute, log, false);
    }

    /**
     * {@link #run}, for a process that works only on the stage ({@code heterolora refine}): a SIGTERM gives the
     * training it holds back to the queue at once and marks the run interrupted unless other workers go on, in one
     * line.
     */
    public static Outcome join(StudyStorage db, long studyId, SearchConfig config, Request r, Duration lease,
                               ComputeSettings compute, PrintStream log) {
        return stage(db, studyId, config, r, lease, compute, log, true);
    }

    private static Outcome stage(StudyStorage db, long studyId, SearchConfig config, Request r, Duration lease,
                                 ComputeSettings compute, PrintStream log, boolean ownsInterruption) {
        SearchSpace space = SearchJob.space(config);
        List<Entry> entries = candidates(db, studyId, config, space, r.candidates(), log);
        if (entries.isEmpty()) {
            throw new HeteroloraException("study " + studyId + " has no feasible trial and no baseline fits its "
                    + "budget: nothing to refine");
        }
        int rungs = 1;
        for (int n = entries.size(); n > 1; n = (n + r.eta() - 1) / r.eta()) {
            rungs++;
        }
        int rungCount = rungs;
        WorkQueue work = db.workQueue();
        String queue = r.queue(studyId);
        long runId = SharedWork.once(work, queue + ":run", lease, () -> Json.object().put("run", db.createRun(studyId,
                null, KIND, Json.object().put("candidates", r.candidates()).put("steps", r.steps())
                        .put("eta", r.eta()).put("rungs", rungCount).put("queue", queue).toString(), null))
                .toString()).get("run").asLong();
        String finish = queue + ":finish";
        if (!SharedWork.done(work, finish) && db.run(runId).map(Run::status).orElse(Status.RUNNING) != Status.RUNNING) {
            db.reopenRun(runId); // a worker failed or was interrupted before: this one carries on
        }
        String what = "the refine stage of study " + studyId;
        int[] here = {0};
        SharedRun workers = new SharedRun(db, List.of(queue));
        workers.runId(runId);
        try (Interruption stop = ownsInterruption ? Interruption.register(() -> leave(workers, studyId), log) : null;
             Heartbeat beat = Heartbeat.ofRun(db, runId);
             PlanTrials trials = PlanTrials.validationSplit(config, r.heldOut(), compute)) {
            Worker worker = new Worker(SharedWork.claimingUntilInterrupted(work), workers.me(), lease);
            List<Entry> alive = entries;
            for (int rung = 0; rung < rungs; rung++) {
                int steps = Math.max(1, (int) (r.steps() / Math.pow(r.eta(), rungs - 1 - rung)));
                List<NewUnit> units = new ArrayList<>();
                for (Entry e : alive) {
                    units.add(new NewUnit(key(rung, e), payload(rung, steps, e).toString()));
                }
                SharedWork.enqueue(work, queue, "rung " + rung + ": ", units, what);
                here[0] += worker.drain(queue, unit -> workers.holding(unit,
                        () -> train(db, runId, trials, r, config, unit)));
                Map<String, Double> losses = losses(work.units(queue));
                int at = rung;
                List<Entry> ranked = alive.stream().filter(e -> losses.containsKey(key(at, e)))
                        .sorted(Comparator.comparingDouble(e -> losses.get(key(at, e)))).toList();
                if (ranked.isEmpty()) {
                    throw new HeteroloraException("refine rung " + rung + ": no plan could be trained ("
                            + work.units(queue).stream().filter(u -> u.status() == Status.FAILED).map(Unit::message)
                                    .findFirst().orElse("every unit failed") + ")");
                }
                log.printf("refine rung %d: %d plans × %d steps; best %s (loss %.4f)%n", rung, alive.size(), steps,
                        ranked.get(0).label(), losses.get(key(rung, ranked.get(0))));
                alive = ranked.subList(0, Math.min(ranked.size(), Math.max(1, (alive.size() + r.eta() - 1) / r.eta())));
            }
            Entry winner = alive.get(0);
            SharedWork.once(work, finish, lease, () -> {
                db.finishRun(runId, Status.FINISHED, null);
                return Json.object().put("winner", winner.label()).toString();
            });
            Map<String, Double> losses = losses(work.units(queue));
            List<Entry> out = entries.stream().map(e -> withLosses(e, losses, rungCount)).toList();
            return new Outcome(runId, out.get(entries.indexOf(winner)), out, here[0]);
        } catch (RuntimeException e) {
            if (!SharedWork.done(work, finish) && workers.others() == 0) {
                db.finishRun(runId, Status.FAILED, e.getMessage());
            }
            throw e;
        }
    }

    /** SIGTERM: gives the held training back; the run is interrupted unless other workers go on. The line. */
    private static String leave(SharedRun workers, long studyId) {
        SharedRun.Left left = workers.leave();
        String back = left.gaveBack() ? " (this worker's training is back in the queue)" : "";
        if (left.others() > 0) {
            return "interrupted; the refine stage of study " + studyId + " goes on in "
                    + SharedRun.workers(left.others()) + back;
        }
        return "interrupted; refine run " + workers.runId() + " marked interrupted" + back + " (resume: heterolora "
                + "refine --study " + studyId + ")";
    }

    /** One (rung, plan) unit: trains the plan, stores the validation row (replacing a redone unit's) and the loss. */
    private static String train(StudyStorage db, long runId, PlanTrials trials, Request r, SearchConfig config,
                                ClaimedUnit unit) {
        JsonNode p = Json.read(unit.payloadJson());
        AdapterPlan plan = AdapterPlan.fromJson(p.get("plan").toString());
        int rung = p.get("rung").asInt();
        int steps = p.get("steps").asInt();
        PlanTrials.Result res = trials.train(plan, PlanTrials.settings(steps, r.learningRate(), r.batchSize(),
                config.settings().seed()));
        db.recordValidation(new NewValidation(runId, p.hasNonNull("trial") ? p.get("trial").asLong() : null,
                "rung " + rung + " (" + steps + " steps): " + p.get("label").asText(), plan.toJsonString(),
                p.get("params").asLong(), res.loss(), Double.NaN, res.seconds(),
                Map.of(RUNG, (double) rung, STEPS, (double) steps)));
        return Json.object().put("loss", res.loss()).put("seconds", res.seconds()).toString();
    }

    private static String key(int rung, Entry e) {
        return "rung " + rung + ": " + e.label();
    }

    private static ObjectNode payload(int rung, int steps, Entry e) {
        ObjectNode p = Json.object().put("rung", rung).put("steps", steps).put("label", e.label())
                .put("params", e.params());
        if (e.trialId() != null) {
            p.put("trial", e.trialId());
        }
        p.set("plan", e.plan().toJson());
        return p;
    }

    /** The held-out loss of every finished unit, by key. */
    private static Map<String, Double> losses(List<Unit> units) {
        Map<String, Double> out = new LinkedHashMap<>();
        units.stream().filter(u -> u.status() == Status.FINISHED)
                .forEach(u -> out.put(u.key(), Json.read(u.resultJson()).get("loss").asDouble()));
        return out;
    }

    /** {@code e} with its losses at the rungs it reached. */
    private static Entry withLosses(Entry e, Map<String, Double> losses, int rungs) {
        List<Double> of = new ArrayList<>();
        for (int rung = 0; rung < rungs && losses.containsKey(key(rung, e)); rung++) {
            of.add(losses.get(key(rung, e)));
        }
        return new Entry(e.label(), e.trialId(), e.plan(), e.params(), of);
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
