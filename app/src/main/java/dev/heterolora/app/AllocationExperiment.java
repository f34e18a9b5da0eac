package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.proxies.ZeroCostProxy;
import dev.heterolora.results.AllocationTable;
import dev.heterolora.search.Baseline;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.Strategy;
import dev.heterolora.studies.ClaimedUnit;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.WorkQueue;
import dev.heterolora.studies.Worker;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * HeteroLoRA's comparison in miniature, as {@link RlhfExperiment} is the LoRA-PPO paper's: for several budgets ×
 * seeds × allocation methods, the method's plan is trained with the SFT trainer on the embedded world for a fixed
 * number of steps and judged on held-out tasks (loss and oracle accuracy, overall and per task kind); the table
 * compares every method with PEFT's default LoRA at the same budget, paired by seed.
 *
 * <p>Every (budget, seed, method) cell is one unit of a {@link dev.heterolora.studies.WorkQueue} named after the
 * experiment: running the same command in several processes (on one machine or many, against one database) shares
 * the cells; a killed worker's cell comes back when its lease runs out; running it again resumes. Searched plans
 * come from the shared proxy pass of the cell's seed (computed once per seed and process).
 */
public final class AllocationExperiment {
    private AllocationExperiment() {}

    /** The reference every method is compared with. */
    public static final String REFERENCE = "peft-default";
    /** The proxy whose search is also run without shortcut sites (what the shortcuts add). */
    public static final String NO_SHORTCUTS = "search-no-shortcuts";
    /** The ranks every cell's space allows. */
    private static final String RANKS = "0,1,2,4,8,16,32,64";
    /** The vote's proxies. */
    public static final List<String> VOTE = List.of("gradnorm", "snip", "fisher");
    /** Every method, in table order. */
    public static final List<String> METHODS = List.of(REFERENCE, "all-linear", "topk", "search-gradnorm",
            "search-snip", "search-fisher", "search-synflow", "vote", NO_SHORTCUTS, "random");

    /**
     * The experiment: its name (the work queue and the stored table are keyed on it), budgets as typed, seeds,
     * methods, and the SFT settings of every cell.
     */
    public record Request(String name, List<String> budgets, int seeds, List<String> methods, int steps,
                          double learningRate, int batchSize, int heldOut, String searchProxy, Duration lease) {
        /** Checks the values (one-line errors before any work). */
        public Request {
            if (budgets.isEmpty() || seeds < 1 || steps < 1 || batchSize < 1 || heldOut < 1) {
                throw new HeteroloraException("experiment allocation needs budgets, --seeds >= 1, --steps >= 1, "
                        + "--batch-size >= 1 and --held-out >= 1");
            }
            for (String m : methods) {
                if (!METHODS.contains(m)) {
                    throw new HeteroloraException("unknown method '" + m + "' (expected one of "
                            + String.join(", ", METHODS) + ")");
                }
            }
            if (!methods.contains(REFERENCE)) {
                throw new HeteroloraException("the methods must include " + REFERENCE + ", the reference");
            }
            ZeroCostProxy.parse(searchProxy);
        }

        /** The work queue of this experiment. */
        public String queue() {
            return "allocation:" + name;
        }
    }

    /** Reports each cell this process finished (for a progress bar). */
    @FunctionalInterface
    public interface Progress {
        /** {@code done} of {@code total} cells are finished (by any worker). */
        void cells(int done, int total);
    }

    /** The table rows and the run that stores them. */
    public record Outcome(List<AllocationTable.Row> rows, List<AllocationTable.Cell> cells, long runId,
                          int completedHere, int failed, List<String> failures) {}

    /** Enqueues every cell (idempotent), works on the queue until it is drained, then stores and returns the table. */
    public static Outcome run(StudyStorage db, Path home, Request r, ComputeSettings compute, Progress progress,
                              PrintStream log) {
        Path world = WorldHome.ensure(home, compute, log);
        List<NewUnit> units = new ArrayList<>();
        for (int s = 0; s < r.seeds(); s++) {
            for (String budget : r.budgets()) {
                for (String method : r.methods()) {
                    ObjectNode p = Json.object().put("budget", budget).put("seed", s).put("method", method);
                    units.add(new NewUnit(budget + "|" + s + "|" + method, p.toString()));
                }
            }
        }
        db.workQueue().enqueue(r.queue(), units);
        int total = db.workQueue().units(r.queue()).size();
        AtomicReference<ClaimedUnit> held = new AtomicReference<>();
        try (CellRunner runner = new CellRunner(world, r, compute, log);
             Interruption stop = Interruption.register(() -> SharedWork.leave(db.workQueue(), r.queue(), held.get(),
                     "experiment allocation '" + r.name() + "'", p -> "budget " + p.get("budget").asText() + ", seed "
                             + p.get("seed").asLong() + ", " + p.get("method").asText()), log)) {
            WorkQueue work = SharedWork.claimingUntilInterrupted(db.workQueue());
            int here = new Worker(work, Worker.defaultName(), r.lease()).drain(r.queue(), unit -> {
                held.set(unit);
                try {
                    String result = runner.run(unit);
                    progress.cells(1 + (int) db.workQueue().units(r.queue()).stream()
                            .filter(u -> u.status() == Status.FINISHED).count(), total);
                    return result;
                } finally {
                    held.set(null);
                }
            });
            List<Unit> all = db.workQueue().units(r.queue());
            List<AllocationTable.Cell> cells = all.stream().filter(u -> u.status() == Status.FINISHED)
                    .map(AllocationExperiment::cell).toList();
            List<String> failures = all.stream().filter(u -> u.status() == Status.FAILED)
                    .map(u -> u.key().replace('|', ' ') + ": " + u.message()).toList();
            int failed = failures.size();
            List<AllocationTable.Row> rows = AllocationTable.rows(cells, REFERENCE);
            long runId = store(db, r, rows, failed);
            return new Outcome(rows, cells, runId, here, failed, failures);
        }
    }

    /** The table as stored: settings and rows; written once per experiment, by the first worker to get there. */
    private static long store(StudyStorage db, Request r, List<AllocationTable.Row> rows, int failed) {
        return SharedWork.once(db.workQueue(), r.queue() + ":table", r.lease(), () -> {
            ObjectNode config = Json.object().put("name", r.name()).put("reference", REFERENCE)
                    .put("steps", r.steps()).put("seeds", r.seeds()).put("lr", r.learningRate())
                    .put("batch_size", r.batchSize()).put("held_out", r.heldOut())
                    .put("search_proxy", r.searchProxy()).put("failed_cells", failed);
            config.set("budgets", Json.MAPPER.valueToTree(r.budgets()));
            config.set("methods", Json.MAPPER.valueToTree(r.methods()));
            config.set("table", AllocationTable.toJson(rows, Json.MAPPER));
            long id = db.createRun(null, null, "experiment-allocation", config.toString(), null);
            db.finishRun(id, Status.FINISHED, null);
            return Json.object().put("run", id).toString();
        }).get("run").asLong();
    }

    private static AllocationTable.Cell cell(Unit u) {
        JsonNode p = Json.read(u.payloadJson());
        JsonNode res = Json.read(u.resultJson());
        return new AllocationTable.Cell(p.get("budget").asText(), p.get("seed").asLong(), p.get("method").asText(),
                res.get("params").asLong(), res.get("loss").asDouble(), res.get("accuracy").asDouble(),
                doubles(res.get("loss_by_kind")), doubles(res.get("accuracy_by_kind")));
    }

    private static Map<String, Double> doubles(JsonNode o) {
        Map<String, Double> m = new LinkedHashMap<>();
        o.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
        return m;
    }

    /**
     * Trains cells: holds the world's data and, for the seed it last needed, the shared proxy pass (one per seed
     * and process; units are queued seed by seed so a worker rarely switches).
     */
    private static final class CellRunner implements AutoCloseable {
        private final Path world;
        private final Request request;
        private final ComputeSettings compute;
        private final PrintStream log;
        private PlanTrials trials;
        private long scoredSeed = -1;
        private SearchJob.Scoring scoring;

        CellRunner(Path world, Request request, ComputeSettings compute, PrintStream log) {
            this.world = world;
            this.request = request;
            this.compute = compute;
            this.log = log;
        }

        String run(ClaimedUnit unit) {
            JsonNode p = Json.read(unit.payloadJson());
            String budget = p.get("budget").asText();
            long seed = p.get("seed").asLong();
            String method = p.get("method").asText();
            SearchConfig config = config(budget, seed, method.equals(NO_SHORTCUTS));
            if (trials == null) {
                trials = PlanTrials.of(config, PlanTrials.worldEval(config), request.heldOut(), compute);
            }
            AdapterPlan plan = plan(config, seed, method);
            log.printf("allocation %s seed %d %s: training (%d steps)%n", budget, seed, method, request.steps());
            PlanTrials.Result r = trials.train(plan, PlanTrials.settings(request.steps(), request.learningRate(),
                    request.batchSize(), seed));
            ObjectNode out = Json.object().put("params", plan.trainableParameters(config.modelConfig()))
                    .put("loss", r.loss()).put("accuracy", r.accuracy()).put("seconds", r.seconds());
            out.set("plan", plan.toJson());
            out.set("loss_by_kind", Json.MAPPER.valueToTree(r.lossByKind()));
            out.set("accuracy_by_kind", Json.MAPPER.valueToTree(r.accuracyByKind()));
            log.printf("allocation %s seed %d %s: loss %.4f, accuracy %.3f (%.0f s)%n", budget, seed, method,
                    r.loss(), r.accuracy(), r.seconds());
            return out.toString();
        }

        /** The search configuration of a cell: the world, the budget, the cell's seed, every site (or no shortcut). */
        private SearchConfig config(String budget, long seed, boolean noShortcuts) {
            return new SearchRequest(null, null, budget, "auto", List.of(request.searchProxy()), false,
                    RANKS, "all", noShortcuts, "2r", 4, 8, 128, 1e-3,
                    SearchSettings.defaults(seed), 0).resolve(world.getParent(), compute, log);
        }

        private AdapterPlan plan(SearchConfig config, long seed, String method) {
            SearchSpace space = SearchJob.space(config);
            SearchSettings settings = config.settings();
            switch (method) {
                case "peft-default", "all-linear" -> {
                    return Baseline.named(method).plans(space, settings, Optional.empty()).get(0);
                }
                case "random" -> {
                    return Baseline.RANDOM.plans(space, settings, Optional.empty()).get(0);
                }
                default -> { }
            }
            SearchJob.Scoring s = scoring(config, space, seed);
            List<String> objective = method.equals("vote") ? VOTE
                    : method.startsWith("search-") && !method.equals(NO_SHORTCUTS) ? List.of(method.substring(7))
                    : List.of(request.searchProxy());
            PlanScorer scorer = new PlanScorer(s.stats(), s.model().config(),
                    objective.stream().map(ZeroCostProxy::parse).toList(), method.equals("vote"), null, seed,
                    config.budgetLimit());
            ProxyPlanFitness fitness = new ProxyPlanFitness(scorer, config.space().alpha());
            if (method.equals("topk")) {
                return Baseline.TOPK.plans(space, settings, fitness.additive()).get(0);
            }
            return Strategy.named("auto").run(space, fitness, settings,
                    (seq, generation, p, parameters, feasible, evaluation, seconds) -> { }).best().plan();
        }

        /** The shared proxy pass of {@code seed} (its sites are those of the full space, a superset of any cell's). */
        private SearchJob.Scoring scoring(SearchConfig config, SearchSpace space, long seed) {
            if (scoredSeed != seed) {
                if (scoring != null) {
                    scoring.close();
                }
                SearchConfig full = config(config.budgetText(), seed, false);
                scoring = SearchJob.scoring(full, SearchJob.space(full), compute, log);
                scoredSeed = seed;
            }
            return scoring;
        }

        @Override
        public void close() {
            if (scoring != null) {
                scoring.close();
                scoring = null;
                scoredSeed = -1;
            }
            if (trials != null) {
                trials.close();
                trials = null;
            }
        }
    }
}
