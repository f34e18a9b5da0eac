package dev.heterolora.app;

import dev.heterolora.studies.Status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.TextTokenizer;
import dev.heterolora.model.TokenRows;
import dev.heterolora.proxies.PlanProbe;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.proxies.ProxyBatches;
import dev.heterolora.proxies.SiteStatistics;
import dev.heterolora.proxies.ZeroCostProxy;
import dev.heterolora.search.Baseline;
import dev.heterolora.search.BaselineResult;
import dev.heterolora.search.Evaluation;
import dev.heterolora.search.PlanFitness;
import dev.heterolora.search.ResumingFitness;
import dev.heterolora.search.ScoredPlan;
import dev.heterolora.search.SearchResult;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.Strategy;
import dev.heterolora.search.TrialRecord;
import dev.heterolora.search.TrialSink;
import dev.heterolora.studies.Heartbeat;
import dev.heterolora.studies.NewStudy;
import dev.heterolora.studies.NewTrial;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.TokenCodec;
import dev.heterolora.trainer.TrainingData;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The search use case: a study is created (or resumed), the model and the proxy rows are loaded, the shared proxy
 * pass runs once, the strategy evaluates plans and every trial is committed to the study in batches while it goes
 * on, then the optional refine stage trains the top plans; the study ends finished, failed, or interrupted (JVM
 * shutdown). Also rebuilds the pieces a replay, a re-score or a validation needs from a stored configuration.
 */
public final class SearchJob {
    private SearchJob() {}

    /**
     * How a search ended: its study, the strategy's result, the wall time of the whole job ({@code seconds}: model,
     * shared proxy pass, search, baselines, refine) and of the search loop alone ({@code searchSeconds}: from the
     * first plans sent to the fitness, i.e. the GA's first generation, to the last trial committed; the strategy's
     * set-up before, such as the GA's seeds, is not in it).
     */
    public record Outcome(long studyId, SearchConfig config, SearchResult result, List<BaselineResult> baselines,
                          Optional<RefineStage.Outcome> refined, double seconds, double searchSeconds) {
        /** Plans the search loop evaluated (and committed) per second. */
        public double plansPerSecond() {
            return result.evaluations() / searchSeconds;
        }
    }

    /** The strategy's result, the seconds of its loop and the baselines scored by the same fitness. */
    private record Answer(SearchResult result, double seconds, List<BaselineResult> baselines) {}

    /** The space a configuration describes. */
    public static SearchSpace space(SearchConfig c) {
        return SearchSpace.of(c.modelConfig(), c.space(), c.budgetLimit());
    }

    /** Stored trials of a study as the search's records, in evaluation order. */
    public static List<TrialRecord> records(StudyStorage db, long studyId) {
        List<TrialRecord> out = new ArrayList<>();
        for (Trial t : db.trials(studyId)) {
            out.add(new TrialRecord(t.seq(), t.generation(), AdapterPlan.fromJson(t.planJson()), t.params(),
                    t.feasible(), new Evaluation(t.fitness(), t.proxyScores())));
        }
        return out;
    }

    /** The proxy rows of a configuration, cut to its max length. */
    public static List<int[]> rows(SearchConfig c) {
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

    /** What the shared pass and the scorer need; close it to free the statistics. */
    public record Scoring(CausalLM model, SiteStatistics stats, PlanScorer scorer) implements AutoCloseable {
        @Override
        public void close() {
            stats.close();
            model.close();
        }
    }

    /** Loads the model, reads the proxy rows, runs the shared pass and builds the scorer. */
    public static Scoring scoring(SearchConfig c, SearchSpace space, ComputeSettings compute, PrintStream log) {
        CausalLM model = HfCheckpoint.load(Path.of(c.modelPath()), compute);
        try {
            if (!model.config().equals(c.modelConfig())) {
                throw new HeteroloraException("the model at " + c.modelPath() + " is not the one this study used");
            }
            List<List<int[]>> batches = ProxyBatches.select(rows(c), c.proxyBatches(), c.proxyBatchSize(),
                    c.settings().seed());
            int[] maxRanks = new int[space.size()];
            for (int s = 0; s < space.size(); s++) {
                maxRanks[s] = space.rank(s, space.rankCount(s) - 1);
            }
            SiteStatistics stats = SiteStatistics.compute(model, space.sites(), maxRanks, batches, c.settings().seed());
            if (!Double.isFinite(stats.baseLoss())) {
                stats.close();
                throw new HeteroloraException("the base model's loss on the proxy rows is " + stats.baseLoss()
                        + ": no proxy can rank adapters on it (fp16 overflow? try --dtype fp32)");
            }
            log.printf("shared proxy pass: %d sites, %d minibatches of %d rows, %.2f s (base loss %.4f)%n",
                    space.size(), batches.size(), c.proxyBatchSize(), stats.seconds(), stats.baseLoss());
            List<ZeroCostProxy> objective = c.proxies().stream().map(ZeroCostProxy::parse).toList();
            PlanProbe probe = objective.stream().anyMatch(p -> !p.isAdditive())
                    ? new PlanProbe(model, stats, batches.get(0), (float) c.probeStep()) : null;
            PlanScorer scorer = new PlanScorer(stats, model.config(), objective, c.vote(), probe, c.settings().seed(),
                    c.budgetLimit());
            return new Scoring(model, stats, scorer);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Starts a new search as a user asked for it: a name another study has is refused before anything is built or
     * computed, then the request is resolved ({@link SearchRequest#resolve}) and its study created and searched.
     */
    public static Outcome start(StudyStorage db, SearchRequest request, Path home, ComputeSettings compute,
                                SearchProgress progress, PrintStream log) {
        request.requireFreeName(db);
        return start(db, request.resolve(home, compute, log), request.name(), compute, progress, log);
    }

    /** Creates a study for {@code config} (named {@code name}; null: unnamed) and runs its search. */
    public static Outcome start(StudyStorage db, SearchConfig config, String name, ComputeSettings compute,
                                SearchProgress progress, PrintStream log) {
        SearchSpace space = space(config);
        failEarlyIfUnfit(config, space, log);
        long studyId = db.createStudy(new NewStudy(name, config.settings().seed(), config.strategy(), config.budgetText(), config.budgetLimit(),
                config.baseParams(), config.modelPath(), config.modelHash(), config.toJson().toString(),
                space.toJson().toString()));
        return execute(db, studyId, config, compute, progress, log);
    }

    /** Continues an unfinished study from its stored configuration and trials. */
    public static Outcome resume(StudyStorage db, long studyId, ComputeSettings compute, SearchProgress progress,
                                 PrintStream log) {
        Study s = db.study(studyId).orElseThrow(() -> new HeteroloraException("no study with id " + studyId));
        if (s.status() == Status.FINISHED) {
            throw new HeteroloraException("study " + studyId + " has finished; nothing to resume");
        }
        SearchConfig config = SearchConfig.ofThisVersion(Json.read(s.configJson()), studyId,
                " and cannot be resumed by version %d; start a new study");
        return execute(db, studyId, config, compute, progress, log);
    }

    /**
     * Runs the search with the study's status kept true: running, then finished, failed or interrupted. Every trial
     * the search reported is committed before the study is marked failed or interrupted.
     */
    private static Outcome execute(StudyStorage db, long studyId, SearchConfig config, ComputeSettings compute,
                                   SearchProgress progress, PrintStream log) {
        db.setStatus(studyId, Status.RUNNING);
        long start = System.nanoTime();
        try (TrialWriter trials = new TrialWriter(db);
             Heartbeat beat = Heartbeat.ofStudy(db, studyId);
             Interruption stop = Interruption.register(() -> {
                 trials.flush();
                 db.setStatus(studyId, Status.INTERRUPTED);
             },
                     "interrupted; study " + studyId + " marked interrupted (resume: heterolora search --resume "
                             + studyId + ")", log)) {
            Answer answer;
            try {
                answer = search(config, db, studyId, trials, compute, progress, log);
            } catch (RuntimeException e) {
                trials.flushAfter(e);
                throw e;
            }
            Optional<RefineStage.Outcome> refined = config.refine() > 0
                    ? Optional.of(RefineStage.run(db, studyId, config, RefineStage.Request.defaults(config.refine()),
                            compute, log)) : Optional.empty();
            db.setStatus(studyId, Status.FINISHED);
            return new Outcome(studyId, config, answer.result(), answer.baselines(), refined,
                    (System.nanoTime() - start) / 1e9, answer.seconds());
        } catch (RuntimeException e) {
            db.setStatus(studyId, Status.FAILED);
            throw e;
        }
    }

    /**
     * Before any expensive pass: says which baselines cannot fit the budget (and what they need), and fails in one
     * line when the chosen strategy is such a baseline.
     */
    private static void failEarlyIfUnfit(SearchConfig config, SearchSpace space, PrintStream log) {
        for (BaselineResult.DoesNotFit unfit : Baseline.check(space, config.settings())) {
            if (unfit.baseline().id().equals(config.strategy())) {
                throw new HeteroloraException(unfit.message());
            }
            log.println("note: " + unfit.message());
        }
    }

    /**
     * Runs (or continues) the search of study {@code studyId}: trials already stored are answered from the store and
     * not written again; new ones are committed in batches while the search goes on ({@link TrialWriter}), all of
     * them before this returns.
     */
    private static Answer search(SearchConfig c, StudyStorage db, long studyId, TrialWriter trials,
                                 ComputeSettings compute, SearchProgress progress, PrintStream log) {
        SearchSpace space = space(c);
        List<TrialRecord> done = records(db, studyId);
        try (Scoring scoring = scoring(c, space, compute, log)) {
            PlanFitness fitness = new ProxyPlanFitness(scoring.scorer(), c.space().alpha());
            if (SharedPlanFitness.needsWorkers(c)) { // a model run per plan: `search --join` processes share them
                fitness = new SharedPlanFitness(db, studyId, fitness);
            }
            if (!done.isEmpty()) {
                fitness = new ResumingFitness(done, fitness);
                log.printf("resuming study %d after %d stored trials%n", studyId, done.size());
            }
            StoringSink store = new StoringSink(studyId, trials, progress);
            TrialSink sink = done.isEmpty() ? store : store.skipping(done.size());
            progress.started(c.strategy(), c.settings().generationLimit(space.size()));
            SearchResult result = Strategy.named(c.strategy()).run(space, fitness, c.settings(), sink);
            trials.flush();
            double seconds = (System.nanoTime() - store.firstEvaluation) / 1e9;
            progress.stopped(result.quality().describe());
            if (!result.paretoFront().isEmpty()) {
                markPareto(db, studyId, result.paretoFront());
            }
            List<BaselineResult> baselines = Baseline.evaluateAll(space, fitness, c.settings());
            storeBaselines(db, studyId, space, c, fitness, baselines);
            return new Answer(result, seconds, baselines);
        }
    }

    /**
     * Where the search's trials go: to the {@link TrialWriter} and, counted, to the progress; it notes when the first
     * plans went to the fitness (the start of the search loop's time).
     */
    private static final class StoringSink implements TrialSink {
        private final long studyId;
        private final TrialWriter trials;
        private final SearchProgress progress;
        private long firstEvaluation = System.nanoTime();
        private boolean evaluated;

        StoringSink(long studyId, TrialWriter trials, SearchProgress progress) {
            this.studyId = studyId;
            this.trials = trials;
            this.progress = progress;
        }

        @Override
        public void accept(int seq, int generation, AdapterPlan plan, long parameters, boolean feasible,
                           Evaluation evaluation, double seconds) {
            trials.add(new NewTrial(studyId, seq, generation, plan.toJsonString(), parameters, feasible,
                    evaluation.fitness(), evaluation.proxyScores(), seconds));
            progress.trial(generation, evaluation.fitness());
        }

        @Override
        public void evaluating(int generation) {
            if (!evaluated) {
                evaluated = true;
                firstEvaluation = System.nanoTime();
            }
        }
    }

    /**
     * The trials a search has evaluated but not yet committed. The search's thread only appends; once {@value #SIZE}
     * are waiting, or {@value #FIRST} while the writer is idle, or the oldest has waited {@value #MAX_WAIT_MS} ms,
     * they go, as one batch, to a writer thread that commits each batch in one transaction while the search goes on:
     * a GA evaluates thousands of plans a second, and committing on its own thread made the database most of the
     * loop's time (handing over early keeps the writer busy from the first generations on, instead of leaving it the
     * whole first thousand at the end of a short search). {@link #flush()} hands over what is waiting and returns
     * once every trial is committed. Batches are committed in order; after a failed
     * one nothing more is written and the next {@link #add} or {@link #flush()} throws its exception. A crash loses
     * the trials not yet committed, which a resume evaluates again (it replays the same seeded sequence).
     */
    private static final class TrialWriter implements AutoCloseable {
        private static final int SIZE = 1000;
        /** Trials handed over at once while the writer is idle, so that it works alongside the search. */
        private static final int FIRST = 100;
        private static final long MAX_WAIT_MS = 1000;

        private final StudyStorage db;
        private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "heterolora-trial-writer");
            t.setDaemon(true);
            return t;
        });
        private List<NewTrial> waiting = new ArrayList<>();
        private long oldest;
        private Future<?> last = CompletableFuture.completedFuture(null);
        private volatile RuntimeException failure;

        TrialWriter(StudyStorage db) {
            this.db = db;
        }

        synchronized void add(NewTrial trial) {
            throwIfFailed();
            if (waiting.isEmpty()) {
                oldest = System.nanoTime();
            }
            waiting.add(trial);
            if (waiting.size() >= SIZE || waiting.size() >= FIRST && last.isDone()
                    || System.nanoTime() - oldest > MAX_WAIT_MS * 1_000_000) {
                handOver();
            }
        }

        /** Commits every trial added so far; returns when they are. */
        synchronized void flush() {
            handOver();
            try {
                last.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HeteroloraException("interrupted while committing the search's trials");
            } catch (ExecutionException e) {
                throw new IllegalStateException("the trial writer failed", e.getCause());
            }
            throwIfFailed();
        }

        /** {@link #flush()} after the search failed with {@code cause}, which carries a failure of the flush. */
        void flushAfter(RuntimeException cause) {
            try {
                flush();
            } catch (RuntimeException e) {
                if (e != cause) {
                    cause.addSuppressed(e);
                }
            }
        }

        private void handOver() {
            if (!waiting.isEmpty()) {
                List<NewTrial> batch = waiting;
                waiting = new ArrayList<>(SIZE);
                last = writer.submit(() -> commit(batch));
            }
        }

        private void commit(List<NewTrial> batch) {
            if (failure == null) {
                try {
                    db.recordTrials(batch);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        }

        private void throwIfFailed() {
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
        }

        /** Stops the writer thread (after what was handed over; {@link #flush()} first to wait for it). */
        @Override
        public void close() {
            writer.shutdown();
        }
    }

    /** The run kind that keeps a study's baselines (each with its plan, but random's 20) for reports and views. */
    public static final String BASELINES = "baselines";

    private static void storeBaselines(StudyStorage db, long studyId, SearchSpace space, SearchConfig c,
                                       PlanFitness fitness, List<BaselineResult> baselines) {
        ObjectNode o = Json.object();
        var list = o.putArray("baselines");
        for (BaselineResult b : baselines) {
            ObjectNode j = b.toJson();
            if (b instanceof BaselineResult.Scored s && s.baseline() != Baseline.RANDOM) {
                j.set("plan", s.baseline().plans(space, c.settings(), fitness.surrogate()).get(0).toJson());
            }
            list.add(j);
        }
        long run = db.createRun(studyId, null, BASELINES, o.toString(), null);
        db.finishRun(run, Status.FINISHED, null);
    }

    private static void markPareto(StudyStorage db, long studyId, List<ScoredPlan> front) {
        List<String> plans = front.stream().map(p -> p.plan().toJsonString()).toList();
        List<Long> ids = new ArrayList<>();
        for (Trial t : db.trials(studyId)) {
            if (plans.contains(AdapterPlan.fromJson(t.planJson()).toJsonString())) {
                ids.add(t.id());
            }
        }
        db.markPareto(studyId, ids);
    }
}
