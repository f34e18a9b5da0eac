package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.results.Correlation;
import dev.heterolora.search.Baseline;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.studies.ClaimedUnit;
import dev.heterolora.studies.Heartbeat;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.NewValidation;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
import dev.heterolora.studies.WorkQueue;
import dev.heterolora.studies.Worker;
import dev.heterolora.trainer.TrainSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The validation use case: do the proxies predict anything? Trains plans spread over a study's fitness range (plus
 * the baselines peft-default and all-linear at the same budget, when they fit; seeded random plans within the budget
 * fill the sample when the study has fewer distinct plans, as an exact search has one) briefly with the same data
 * order and seed, measures the held-out loss (and oracle accuracy on the embedded world), and stores each proxy's
 * rank correlation with the result, with bootstrap intervals and the regret of its top pick.
 *
 * <p>Every plan to train is one unit of a {@link WorkQueue} named after the study and the settings
 * ({@code study:3:validate:sample=8,steps=60,lr=0.001,batch=16,held-out=200,trials=2044}): the same command run in
 * several processes (one machine or many, one database) works on one validation run and shares its plans, as
 * {@link AllocationExperiment} shares its cells. The first worker to claim the one-unit {@code :run} queue picks the
 * plans (a proxy pass the others do not repeat), creates the run and enqueues one unit per plan, carrying everything
 * a worker needs to train it; whoever finds every plan done claims the {@code :final} unit that stores the
 * correlations and finishes the run. A killed worker's plan comes back when its lease runs out; running the command
 * again (or {@code --resume RUN}) continues the run, or prints it once it is finished.
 *
 * <p>SIGTERM or Ctrl-C puts this worker's plan back in the queue at once; the run is marked interrupted only when no
 * other worker holds a plan of it (otherwise they finish it; a worker that died with -9 is taken for dead once the
 * run's heartbeat is stale).
 */
public final class ValidationJob {
    private ValidationJob() {}

    /** How long a worker's claim on a plan lasts without renewal, unless told otherwise. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(120);

    /**
     * What to validate and how long to train each plan; {@code studyId} null = the latest finished study;
     * {@code resumeRun} continues that run with the settings stored with it (the numbers given here are ignored).
     */
    public record Request(Long studyId, int sample, int steps, double learningRate, int batchSize, int heldOut,
                          Long resumeRun, Duration lease) {
        /** Checks the numbers (one-line error). */
        public Request {
            if (sample < 2 || steps < 1 || batchSize < 1 || heldOut < 1) {
                throw new HeteroloraException("--sample must be >= 2; --steps, --batch-size, --held-out >= 1");
            }
            if (lease.isNegative() || lease.isZero()) {
                throw new HeteroloraException("--lease must be positive");
            }
        }

        /** This request for another study (null: the latest finished one). */
        public Request withStudy(Long id) {
            return new Request(id, sample, steps, learningRate, batchSize, heldOut, resumeRun, lease);
        }

        /** What names this validation of a study among others (part of its queue's name). */
        String settings() {
            return "sample=" + sample + ",steps=" + steps + ",lr=" + learningRate + ",batch=" + batchSize
                    + ",held-out=" + heldOut;
        }

        /** The settings as a run stores them. */
        ObjectNode config() {
            return Json.object().put("sample", sample).put("steps", steps).put("lr", learningRate)
                    .put("batch_size", batchSize).put("held_out", heldOut);
        }

        /** The settings a stored validation run was started with. */
        static Request of(Run run, Duration lease) {
            JsonNode c = Json.read(run.configJson());
            return new Request(run.studyId(), c.path("sample").asInt(), c.path("steps").asInt(),
                    c.path("lr").asDouble(), c.path("batch_size").asInt(), c.path("held_out").asInt(), run.id(),
                    lease);
        }
    }

    /** Reports each plan trained (for a progress bar). */
    @FunctionalInterface
    public interface Progress {
        /** {@code done} of the run's {@code total} plans are trained (by any worker). */
        void planDone(int done, int total);
    }

    /**
     * The validation run's id (its plans and correlations are in the store), how many plans it has, how many this
     * process trained, and the plans no worker could train ({@code label: why}).
     */
    public record Outcome(long runId, int plans, int trainedHere, List<String> failures) {}

    private record Candidate(String label, Long trialId, AdapterPlan plan, long params, Map<String, Double> scores) {
        /** The unit that trains this plan: everything a worker needs, so any process can do it. */
        NewUnit unit() {
            ObjectNode p = Json.object().put("params", params);
            p.put("trial", trialId);
            p.set("plan", plan.toJson());
            p.set("scores", Json.MAPPER.valueToTree(trialId == null ? scores : Map.of())); // a trial's are stored
            return new NewUnit(label, p.toString());
        }

        static Candidate of(ClaimedUnit unit) {
            JsonNode p = Json.read(unit.payloadJson());
            Map<String, Double> scores = new LinkedHashMap<>();
            p.get("scores").fields().forEachRemaining(e -> scores.put(e.getKey(), e.getValue().asDouble()));
            return new Candidate(unit.key(), p.get("trial").isNull() ? null : p.get("trial").asLong(),
                    AdapterPlan.fromJson(p.get("plan")), p.get("params").asLong(), scores);
        }
    }

    /** Runs (or joins, or continues) the validation of {@code request} against the study database. */
    public static Outcome run(StudyStorage db, Request request, ComputeSettings compute, Progress progress,
                              PrintStream log) {
        Run resumed = request.resumeRun() == null ? null : db.run(request.resumeRun())
                .orElseThrow(() -> new HeteroloraException("no run with id " + request.resumeRun()));
        if (resumed != null && !resumed.kind().equals("validate")) {
            throw new HeteroloraException("run " + resumed.id() + " is a " + resumed.kind()
                    + " run, not a validation run");
        }
        Request r = resumed == null ? request : Request.of(resumed, request.lease());
        Study s = r.studyId() == null ? db.latestStudy()
                : db.study(r.studyId()).orElseThrow(() -> new HeteroloraException("no study with id " + r.studyId()));
        String queue = resumed != null ? queueOf(resumed)
                : StudyStorage.studyQueue(s.id(), "validate:" + r.settings() + ",trials=" + db.trialCount(s.id()));
        WorkQueue work = db.workQueue();
        Worker worker = new Worker(SharedWork.claimingUntilInterrupted(work), Worker.defaultName(), r.lease());
        Optional<Outcome> finished = finished(work, queue, resumed == null ? null : resumed.id());
        if (finished.isPresent()) { // the same command ran to the end before: its run is the answer
            progress.planDone(finished.get().plans(), finished.get().plans());
            return finished.get();
        }
        SearchConfig config = SearchConfig.fromJson(Json.read(s.configJson()));
        Shared run = new Shared(db, queue);
        try (Interruption stop = Interruption.register(run::leave, log)) {
            Supplier<List<NewUnit>> units = () -> candidates(db, s, config, SearchJob.space(config), r.sample(),
                    compute, log).stream().map(Candidate::unit).toList();
            run.workers.runId(resumed != null ? resumed.id() : join(db, worker, s.id(), r, queue, units));
            if (work.units(queue).isEmpty()) { // a run from before queues, resumed
                work.enqueue(queue, units.get());
            }
            return work(run, worker, config, r, compute, progress);
        } catch (RuntimeException e) {
            if (!(e instanceof HeteroloraException)) {
                run.fail(e);
            }
            throw e;
        }
    }

    /** Trains plans of the run until none is left, then stores the correlations and finishes it (whoever is last). */
    private static Outcome work(Shared run, Worker worker, SearchConfig config, Request r, ComputeSettings compute,
                                Progress progress) {
        StudyStorage db = run.db;
        WorkQueue work = db.workQueue();
        long runId = run.runId();
        int total = work.units(run.queue).size();
        TrainSettings settings = PlanTrials.settings(r.steps(), r.learningRate(), r.batchSize(),
                config.settings().seed());
        AtomicInteger trained = new AtomicInteger();
        try (Heartbeat beat = Heartbeat.ofRun(db, runId);
             LazyTrials trials = new LazyTrials(config, r.heldOut(), compute)) {
            int here = worker.drain(run.queue, unit -> run.workers.holding(unit, () -> {
                run.reopenIfEnded();
                Candidate c = Candidate.of(unit);
                Optional<Validation> done = db.validations(runId).stream()
                        .filter(v -> v.label().equals(c.label())).findFirst();
                double loss;
                double accuracy;
                if (done.isPresent()) { // recorded by a worker that died before it completed the unit
                    loss = done.get().trainedLoss();
                    accuracy = done.get().oracleAccuracy();
                } else {
                    PlanTrials.Result result = trials.get().train(c.plan(), settings);
                    db.recordValidation(new NewValidation(runId, c.trialId(), c.label(), c.plan().toJsonString(),
                            c.params(), result.loss(), result.accuracy(), result.seconds(),
                            c.trialId() == null ? c.scores() : Map.of()));
                    loss = result.loss();
                    accuracy = result.accuracy();
                    trained.incrementAndGet();
                }
                progress.planDone(1 + count(work, run.queue, Status.FINISHED), total);
                return Json.object().put("loss", loss).put("accuracy", accuracy).toString();
            }));
            List<String> failures = failures(work.units(run.queue));
            String finals = run.queue + ":final";
            work.enqueue(finals, List.of(new NewUnit("correlations", "{}")));
            worker.drain(finals, unit -> {
                correlate(db, runId, db.validations(runId), config.settings().seed());
                db.finishRun(runId, Status.FINISHED, failures.isEmpty() ? null
                        : failures.size() + " of " + total + " plans not trained");
                return "{}";
            });
            work.units(finals).stream().filter(u -> u.status() == Status.FAILED).findFirst().ifPresent(u -> {
                throw new HeteroloraException("validation run " + runId + " could not be finished: " + u.message());
            });
            if (here == 0) { // other workers did every plan: the bar still ends full
                progress.planDone(count(work, run.queue, Status.FINISHED), total);
            }
            return new Outcome(runId, total, trained.get(), failures);
        }
    }

    /**
     * The run every worker of {@code queue} works on. The first worker to claim the one-unit {@code :run} queue
     * computes the plans to train (a proxy pass: the others wait instead of repeating it), creates the run and
     * enqueues the plans; a worker that claims it after one died half-way adopts the run it left.
     */
    private static long join(StudyStorage db, Worker worker, long studyId, Request r, String queue,
                             Supplier<List<NewUnit>> units) {
        String runs = queue + ":run";
        worker.queue().enqueue(runs, List.of(new NewUnit("run", "{}")));
        worker.drain(runs, unit -> {
            List<NewUnit> plans = units.get(); // first: a study without plans to train gets no run
            long id = db.runs(studyId).stream().filter(run -> run.kind().equals("validate")
                    && queue.equals(Json.read(run.configJson()).path("queue").asText())).mapToLong(Run::id)
                    .findFirst().orElseGet(() -> db.createRun(studyId, null, "validate",
                            r.config().put("queue", queue).toString(), null));
            worker.queue().enqueue(queue, plans);
            return Json.object().put("run", id).toString();
        });
        Unit u = worker.queue().units(runs).get(0);
        if (u.status() != Status.FINISHED) {
            throw new HeteroloraException(u.message());
        }
        return Json.read(u.resultJson()).get("run").asLong();
    }

    /** The outcome of the validation whose units are {@code queue} (of run {@code runId}, if known), once finished. */
    private static Optional<Outcome> finished(WorkQueue work, String queue, Long runId) {
        if (work.units(queue + ":final").stream().noneMatch(u -> u.status() == Status.FINISHED)) {
            return Optional.empty();
        }
        List<Unit> units = work.units(queue);
        long id = runId != null ? runId : Json.read(work.units(queue + ":run").get(0).resultJson()).get("run").asLong();
        return Optional.of(new Outcome(id, units.size(), 0, failures(units)));
    }

    /** The plans no worker could train, as {@code label: why}. */
    private static List<String> failures(List<Unit> units) {
        return units.stream().filter(u -> u.status() == Status.FAILED).map(u -> u.key() + ": " + u.message()).toList();
    }

    /** The queue of a stored run: the one it was created for, or (a run from before queues) one of its own. */
    private static String queueOf(Run run) {
        String queue = Json.read(run.configJson()).path("queue").asText();
        return queue.isEmpty() ? StudyStorage.studyQueue(run.studyId(), "validate:run " + run.id()) : queue;
    }

    private static int count(WorkQueue work, String queue, Status status) {
        return (int) work.units(queue).stream().filter(u -> u.status() == status).count();
    }

    /**
     * The validation run as this worker shares it: {@link SharedRun} over the plans and the final unit, with what
     * validate does on leaving, failing and taking up a plan of a run an earlier worker left ended.
     */
    private static final class Shared {
        private final StudyStorage db;
        private final String queue;
        private final SharedRun workers;

        Shared(StudyStorage db, String queue) {
            this.db = db;
            this.queue = queue;
            this.workers = new SharedRun(db, List.of(queue, queue + ":final"));
        }

        long runId() {
            return workers.runId();
        }

        /** A worker takes up a plan of a run that an earlier worker left interrupted or failed: it runs again. */
        void reopenIfEnded() {
            if (db.run(runId()).orElseThrow().status() != Status.RUNNING) {
                db.reopenRun(runId());
            }
        }

        /** SIGTERM: gives the held plan back; the run is interrupted unless other workers go on. Returns the line. */
        String leave() {
            long runId = runId();
            if (runId == 0) {
                return "interrupted before the validation run started; nothing was recorded";
            }
            SharedRun.Left left = workers.leave();
            if (left.others() > 0) {
                return "interrupted; run " + runId + " goes on in " + SharedRun.workers(left.others())
                        + (left.gaveBack() ? " (this worker's plan is back in the queue)" : "");
            }
            return "interrupted; run " + runId + " marked interrupted (resume: heterolora validate --resume " + runId
                    + ")";
        }

        /** An unexpected error: the run failed, unless other workers go on (the plan comes back after its lease). */
        void fail(RuntimeException e) {
            try {
                long runId = runId();
                if (runId != 0 && workers.others() == 0 && db.run(runId).orElseThrow().status() == Status.RUNNING) {
                    db.finishRun(runId, Status.FAILED, String.valueOf(e.getMessage()));
                }
            } catch (RuntimeException second) {
                e.addSuppressed(second);
            }
        }
    }

    /** The trainer, loaded when this worker first gets a plan (a worker that finds every plan done loads nothing). */
    private static final class LazyTrials implements AutoCloseable {
        private final SearchConfig config;
        private final int heldOut;
        private final ComputeSettings compute;
        private PlanTrials trials;

        LazyTrials(SearchConfig config, int heldOut, ComputeSettings compute) {
            this.config = config;
            this.heldOut = heldOut;
            this.compute = compute;
        }

        PlanTrials get() {
            if (trials == null) {
                trials = PlanTrials.of(config, PlanTrials.worldEval(config), heldOut, compute);
            }
            return trials;
        }

        @Override
        public void close() {
            if (trials != null) {
                trials.close();
            }
        }
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
