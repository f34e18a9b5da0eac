package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.search.Evaluation;
import dev.heterolora.search.PlanFitness;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.SiteScores;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.Worker;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A search whose objective runs the model for every plan (a proxy that is not additive, such as {@code jacov} or
 * {@code probe}: tens of milliseconds to seconds per plan instead of the table's microseconds) shared by cooperating
 * workers. Every plan a generation asks for becomes a unit of the study's {@code plans} queue (keyed by the plan's
 * hash, so a plan met again, in a later generation or after a resume, is answered from the queue); the process
 * running the search works on its own queue like any worker, and processes started with {@code search --join STUDY}
 * (on this machine or others, against the same database) take units as long as the study runs. A worker killed
 * mid-plan leaves its unit to another when the lease runs out. Each worker scores with its own shared pass, made
 * from the study's stored configuration and seed, so every worker computes the same statistics.
 */
public final class SharedPlanFitness implements PlanFitness {
    /** The purpose of a study's queue of plans to evaluate. */
    static final String PURPOSE = "plans";
    private static final Duration LEASE = Duration.ofMinutes(2);

    private final StudyStorage db;
    private final String queue;
    private final PlanFitness local;
    private final Worker worker;

    SharedPlanFitness(StudyStorage db, long studyId, PlanFitness local) {
        this.db = db;
        this.queue = StudyStorage.studyQueue(studyId, PURPOSE);
        this.local = local;
        this.worker = new Worker(db.workQueue(), Worker.defaultName(), LEASE);
    }

    /** Enqueues the plans not yet queued, works on the queue until every plan is done, and reads the answers. */
    @Override
    public List<Evaluation> evaluate(List<AdapterPlan> plans) {
        Map<String, String> wanted = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(plans.size());
        for (AdapterPlan plan : plans) {
            String json = plan.toJsonString();
            String key = key(json);
            keys.add(key);
            wanted.putIfAbsent(key, json);
        }
        db.workQueue().enqueue(queue, wanted.entrySet().stream().map(e -> new NewUnit(e.getKey(), e.getValue()))
                .toList());
        worker.drain(queue, this::evaluateUnit);
        Map<String, Unit> done = new HashMap<>();
        for (Unit u : db.workQueue().units(queue)) {
            if (wanted.containsKey(u.key())) {
                done.put(u.key(), u);
            }
        }
        List<Evaluation> out = new ArrayList<>(plans.size());
        for (String key : keys) {
            Unit u = done.get(key);
            if (u == null || u.status() != Status.FINISHED) {
                throw new HeteroloraException("evaluating plan " + key.substring(0, 12) + " failed"
                        + (u == null || u.message() == null ? "" : ": " + u.message()));
            }
            out.add(evaluation(Json.read(u.resultJson())));
        }
        return out;
    }

    @Override
    public Optional<SiteScores> additive() {
        return local.additive();
    }

    @Override
    public Optional<SiteScores> surrogate() {
        return local.surrogate();
    }

    private String evaluateUnit(dev.heterolora.studies.ClaimedUnit unit) {
        Evaluation e = local.evaluate(List.of(AdapterPlan.fromJson(unit.payloadJson()))).get(0);
        // doubles as their shortest exact decimal text: NaN and infinities survive, and the value read back is the
        // same double whichever worker computed it
        ObjectNode o = Json.object().put("fitness", Double.toString(e.fitness()));
        ObjectNode scores = o.putObject("scores");
        e.proxyScores().forEach((k, v) -> scores.put(k, Double.toString(v)));
        return o.toString();
    }

    private static Evaluation evaluation(JsonNode o) {
        Map<String, Double> scores = new TreeMap<>();
        o.get("scores").fields().forEachRemaining(f -> scores.put(f.getKey(), Double.parseDouble(f.getValue().asText())));
        return new Evaluation(Double.parseDouble(o.get("fitness").asText()), scores);
    }

    /** A plan's unit key: the SHA-256 of its JSON (plans of big models do not fit a key column). */
    private static String key(String planJson) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(planJson.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Works on the plans of study {@code studyId}'s search as a joining worker: builds the study's scorer from its
     * stored configuration (the same shared pass as the process running the search) and evaluates queued plans until
     * the study stops running.
     *
     * @return how many plans this worker evaluated
     * @throws HeteroloraException (one line) if the study is not running or its objective needs no workers
     */
    public static int join(StudyStorage db, long studyId, ComputeSettings compute, PrintStream log) {
        Study s = db.study(studyId).orElseThrow(() -> new HeteroloraException("no study with id " + studyId));
        if (s.status() != Status.RUNNING) {
            throw new HeteroloraException("study " + studyId + " is " + s.status() + ": there is no search to join");
        }
        SearchConfig config = SearchConfig.fromJson(Json.read(s.configJson()));
        if (!needsWorkers(config)) {
            throw new HeteroloraException("study " + studyId + "'s objective (" + String.join(",", config.proxies())
                    + ") is additive: it is scored from one table in one process, there is nothing to share");
        }
        SearchSpace space = SearchJob.space(config);
        int evaluated = 0;
        try (SearchJob.Scoring scoring = SearchJob.scoring(config, space, compute, log)) {
            SharedPlanFitness shared = new SharedPlanFitness(db, studyId,
                    new ProxyPlanFitness(scoring.scorer(), config.space().alpha()));
            log.printf("joined study %d: evaluating its plans until the search ends%n", studyId);
            while (db.study(studyId).map(Study::status).orElse(Status.FAILED) == Status.RUNNING) {
                evaluated += shared.worker.drain(shared.queue, shared::evaluateUnit);
                pause();
            }
        }
        return evaluated;
    }

    /** Whether a search of {@code config} scores plans one model run at a time (and so shares them with workers). */
    static boolean needsWorkers(SearchConfig config) {
        return config.proxies().stream().map(dev.heterolora.proxies.ZeroCostProxy::parse)
                .anyMatch(p -> !p.isAdditive());
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HeteroloraException("interrupted while waiting for plans");
        }
    }
}
