package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.ClaimedUnit;
import dev.heterolora.studies.NewUnit;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Unit;
import dev.heterolora.studies.WorkQueue;
import dev.heterolora.studies.Worker;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.Regulariser;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * The second paper's comparison on the embedded world: full fine-tuning PPO against LoRA PPO, and LoRA PPO under
 * each regulariser, over several seeds. Every run is a {@code train} launched through a {@link Launcher} (the CLI
 * gives each its own JVM, so peak memory is per run and a crash costs one run); the table is stored as a run.
 *
 * <p>Every (variant, seed) is one unit of a {@link WorkQueue} named after the experiment ({@code rlhf:NAME}): the
 * same command in several processes (on one machine or many, against one database) shares the runs; a killed
 * worker's run comes back when its lease runs out; running it again resumes (finished runs are not redone); the
 * table is stored once, by whichever worker gets there first, when every unit is finished or failed. A unit's
 * result is its run's {@code train --json} summary; the run itself writes under {@code runs/experiment-rlhf/NAME/}
 * of the data directory of the machine that ran it, and its run row goes to the same database.
 */
public final class RlhfExperiment {
    private RlhfExperiment() {}

    /** The kind of the run that stores the table. */
    public static final String KIND = "experiment-rlhf";

    /** Launches one {@code train} in a process of its own. */
    public interface Launcher {
        /**
         * The flags of the child {@code train} that trains with these tuning flags and settings: everything that
         * decides its result (not where it writes, not the machine's device). They are stored with the unit, so
         * every worker runs a unit alike.
         */
        List<String> flags(List<String> tuning, PpoSettings settings);

        /**
         * Runs {@code train} with {@code flags} into {@code out}; returns its JSON summary.
         *
         * @throws HeteroloraException when the run fails (it has printed and stored its own error)
         */
        String train(List<String> flags, Path out);

        /** Stops a {@link #train} in progress (the run marks itself interrupted) and returns once it has ended. */
        void stop();
    }

    /** How the experiment reaches the study database, which its child runs open as well. */
    public interface Database {
        /** Opens the study database (creating or migrating it). */
        StudyStorage open();

        /**
         * Whether this process may keep the database open while a child run writes to it: a server or PostgreSQL
         * may; an embedded H2 file admits one process at a time, so this process closes it while a child runs
         * (and cannot share the experiment with other processes: start {@code heterolora server} for that).
         */
        boolean shared();
    }

    /**
     * What to compare: the experiment's name (its work queue and stored table are keyed on it), the settings of
     * every run, and how long a dead worker's run waits before another takes it.
     */
    public record Request(String name, PpoSettings base, List<String> regularisers, int seeds, int rank, boolean full,
                          double fullLearningRate, Duration lease) {
        /** Checks the values (one-line errors before any work). */
        public Request {
            if (name == null || name.isBlank() || name.length() > 100) {
                throw new HeteroloraException("an experiment needs a --name of 1 to 100 characters");
            }
            if (seeds < 1 || rank < 1) {
                throw new HeteroloraException("experiment rlhf needs --seeds >= 1 and --rank >= 1");
            }
            if (!regularisers.contains("all")) {
                regularisers.forEach(Regulariser::parse);
            }
        }

        /** The work queue of this experiment. */
        public String queue() {
            return "rlhf:" + name;
        }
    }

    /** Reports each run finished (by any worker), for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        /** {@code done} of {@code total} runs are finished. */
        void runs(int done, int total);
    }

    /** One run's numbers, as its {@code train --json} printed them. */
    public record Result(long runId, double winRate, double reward, double factuality, double kl,
                         double rewardBefore, double factualityBefore, double seconds, double weightsMb,
                         double stateMb, double peakRssMb, double rolloutTokensPerSecond, double trainStepSeconds) {
        static Result of(JsonNode j) {
            return new Result(j.get("run").asLong(), j.get("win_rate").asDouble(), j.get("reward").asDouble(),
                    j.get("factuality").asDouble(), j.get("kl").asDouble(), j.get("reward_before").asDouble(),
                    j.get("factuality_before").asDouble(), j.get("seconds").asDouble(),
                    j.get("weights_mb").asDouble(), j.get("state_mb").asDouble(), j.get("peak_rss_mb").asDouble(),
                    j.get("rollout_tokens_per_second").asDouble(), j.get("train_step_seconds").asDouble());
        }
    }

    /** One variant over its seeds; {@code failed} runs are not in {@code runs}. */
    public record Row(String variant, long trainable, List<Result> runs, int failed) {
        /** The mean of {@code f} over the variant's runs (NaN without runs). */
        public double mean(ToDoubleFunction<Result> f) {
            return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        /** The population standard deviation of {@code f} over the runs. */
        public double std(ToDoubleFunction<Result> f) {
            double m = mean(f);
            return Math.sqrt(runs.stream().mapToDouble(o -> Math.pow(f.applyAsDouble(o) - m, 2)).average()
                    .orElse(Double.NaN));
        }
    }

    /**
     * The table, the run that stores it, how many runs this process did, and why the failed ones failed
     * ({@code variant seed N: message}).
     */
    public record Outcome(List<Row> rows, long runId, int completedHere, List<String> failures) {}

    /** A variant as every worker plans it: its name, trainable parameters, child flags per seed. */
    private record Variant(String name, long trainable, List<String> tuning, PpoSettings settings) {}

    /**
     * Enqueues every (variant, seed) (idempotent), works on the queue until no unit is queued or held, then stores
     * the table once and returns it.
     */
    public static Outcome run(Database database, Path home, Request r, ComputeSettings compute, Launcher launcher,
                              Progress progress, PrintStream log) {
        Path world = WorldHome.ensure(home, compute, log);
        ModelConfig config = ModelConfig.read(WorldHome.policy(world));
        Path runs = home.resolve("runs").resolve(KIND).resolve(slug(r.name()));
        List<NewUnit> units = new ArrayList<>();
        for (Variant v : variants(r, config)) {
            for (int s = 0; s < r.seeds(); s++) {
                PpoSettings ps = v.settings().withSeed(v.settings().seed() + s);
                ObjectNode p = Json.object().put("variant", v.name()).put("trainable", v.trainable())
                        .put("seed", ps.seed()).put("dir", slug(v.name()) + "-seed" + ps.seed());
                p.set("flags", Json.MAPPER.valueToTree(launcher.flags(v.tuning(), ps)));
                units.add(new NewUnit(v.name() + "|" + ps.seed(), p.toString()));
            }
        }
        AtomicReference<ClaimedUnit> held = new AtomicReference<>();
        AtomicBoolean leaving = new AtomicBoolean();
        try (Connection db = new Connection(database);
             Interruption stop = Interruption.register(() -> {
                 leaving.set(true);
                 return leave(db, held, launcher, r);
             }, log)) {
            SharedWork.enqueue(db, r.queue(), "", units, "experiment rlhf '" + r.name() + "'");
            int here = new Worker(SharedWork.claimingUntilInterrupted(db), Worker.defaultName(), r.lease()).drain(r.queue(), unit -> {
                held.set(unit);
                try {
                    String result = train(unit, runs, launcher, db, leaving, log);
                    progress.runs(1 + (int) db.units(r.queue()).stream().filter(u -> u.status() == Status.FINISHED)
                            .count(), units.size());
                    return result;
                } finally {
                    held.set(null);
                }
            });
            List<Unit> all = db.units(r.queue());
            List<Row> rows = rows(all);
            long runId = SharedWork.once(db, r.queue() + ":table", r.lease(), () -> {
                long id = db.storage().createRun(null, null, KIND, table(rows, r.base(), r.seeds()).toString(),
                        runs.toString());
                db.storage().finishRun(id, Status.FINISHED, null);
                return Json.object().put("run", id).toString();
            }).get("run").asLong();
            List<String> failures = all.stream().filter(u -> u.status() == Status.FAILED)
                    .map(u -> u.key().replace("|", " seed ") + ": " + u.message()).toList();
            return new Outcome(rows, runId, here, failures);
        }
    }

    /**
     * SIGTERM: stops the child run (it marks its run interrupted) and gives its unit back to the queue, so that this
     * or another worker trains it again at once instead of after the lease; returns the line to print. It holds the
     * connection throughout, so the worker's thread, which sees its child exit with an error, cannot mark the unit
     * failed before the process halts.
     */
    private static String leave(Connection db, AtomicReference<ClaimedUnit> held, Launcher launcher, Request r) {
        synchronized (db) {
            ClaimedUnit unit = held.get();
            if (unit != null) {
                launcher.stop();
            }
            return SharedWork.leave(db, r.queue(), unit, "experiment rlhf '" + r.name() + "'",
                    p -> p.get("variant").asText() + ", seed " + p.get("seed").asLong());
        }
    }

    /** The variants in table order: full fine-tuning (if asked), then LoRA under each regulariser. */
    private static List<Variant> variants(Request r, ModelConfig config) {
        List<Variant> out = new ArrayList<>();
        PpoSettings base = r.base();
        if (r.full()) {
            out.add(new Variant("full fine-tune / " + base.regulariser().id(), config.baseParameters(),
                    List.of("--full-finetune"), base.withLearningRate(r.fullLearningRate())));
        }
        long lora = AdapterPlan.uniform(config.sites(false), r.rank(), 2.0 * r.rank()).trainableParameters(config);
        List<String> names = r.regularisers().contains("all") ? Arrays.stream(Regulariser.values())
                .map(Regulariser::id).toList() : r.regularisers();
        for (String name : names) {
            Regulariser reg = Regulariser.parse(name);
            out.add(new Variant("LoRA r" + r.rank() + " / " + reg.id(), lora,
                    List.of("--uniform-rank", String.valueOf(r.rank())), base.withRegulariser(reg)));
        }
        return out;
    }

    /** Does one unit: its child run, into a directory of its own per attempt (a redone unit never shares one). */
    private static String train(ClaimedUnit unit, Path runs, Launcher launcher, Connection db, AtomicBoolean leaving,
                                PrintStream log) {
        JsonNode p = Json.read(unit.payloadJson());
        List<String> flags = new ArrayList<>();
        p.get("flags").forEach(f -> flags.add(f.asText()));
        Path out = runs.resolve(p.get("dir").asText() + (unit.attempt() > 1 ? "-attempt" + unit.attempt() : ""));
        log.printf("%s, seed %d%n", p.get("variant").asText(), p.get("seed").asLong());
        db.releaseForChild();
        String printed;
        try {
            printed = launcher.train(flags, out);
        } catch (HeteroloraException e) {
            // the run printed its error and marked itself failed; the comparison goes on without it (unless this
            // process is being stopped, which stopped the run: the unit goes back to the queue, see leave)
            if (!leaving.get()) {
                log.println("heterolora: " + p.get("variant").asText() + ", seed " + p.get("seed").asLong() + " failed: "
                        + e.getMessage());
            }
            throw e;
        }
        try {
            JsonNode summary = Json.read(printed);
            Result.of(summary); // a summary without the table's numbers fails the unit here, not the table later
            return summary.toString();
        } catch (RuntimeException e) {
            throw new HeteroloraException("the run's summary is not what train --json prints: " + e.getMessage());
        }
    }

    /** The rows from the units as stored: variants in the order they were enqueued, finished runs by seed. */
    private static List<Row> rows(List<Unit> units) {
        Map<String, List<Unit>> byVariant = new LinkedHashMap<>();
        for (Unit u : units) {
            byVariant.computeIfAbsent(Json.read(u.payloadJson()).get("variant").asText(), k -> new ArrayList<>()).add(u);
        }
        List<Row> rows = new ArrayList<>();
        byVariant.forEach((variant, of) -> rows.add(new Row(variant,
                Json.read(of.get(0).payloadJson()).get("trainable").asLong(),
                of.stream().filter(u -> u.status() == Status.FINISHED).map(u -> Result.of(Json.read(u.resultJson())))
                        .toList(),
                (int) of.stream().filter(u -> u.status() == Status.FAILED).count())));
        return rows;
    }

    private static String slug(String name) {
        return name.replaceAll("[^A-Za-z0-9]+", "-");
    }

    /** The table as JSON: one object per variant with the means over seeds and the run ids. */
    public static ArrayNode table(List<Row> rows, PpoSettings base, int seeds) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = arr.addObject().put("variant", r.variant()).put("trainable", r.trainable())
                    .put("weights_mb", r.mean(Result::weightsMb))
                    .put("state_mb", r.mean(Result::stateMb))
                    .put("peak_rss_mb", r.mean(Result::peakRssMb))
                    .put("rollout_tokens_per_second", r.mean(Result::rolloutTokensPerSecond))
                    .put("train_step_seconds", r.mean(Result::trainStepSeconds));
            o.put("failed", r.failed());
            o.put("win_rate", r.mean(Result::winRate))
                    .put("reward", r.mean(Result::reward))
                    .put("factuality", r.mean(Result::factuality))
                    .put("kl", r.mean(Result::kl))
                    .put("seconds", r.mean(Result::seconds));
            ArrayNode ids = o.putArray("runs");
            r.runs().forEach(x -> ids.add(x.runId()));
            o.put("steps", base.steps()).put("seeds", seeds);
        }
        return arr;
    }

    /**
     * The study database as the experiment holds it: opened on first use and kept open, except that over an
     * embedded H2 file ({@link Database#shared()} false) it is closed while a child run writes to it and opened
     * again on the next use. Lease renewals while it is closed are skipped: nobody else can open the database
     * then, so nobody can take the unit over.
     */
    private static final class Connection implements WorkQueue, AutoCloseable {
        private final Database database;
        private StudyStorage open;

        Connection(Database database) {
            this.database = database;
        }

        synchronized StudyStorage storage() {
            if (open == null) {
                open = database.open();
            }
            return open;
        }

        /** Closes the database if a child cannot open it while this process holds it. */
        synchronized void releaseForChild() {
            if (!database.shared()) {
                close();
            }
        }

        @Override
        public synchronized void heartbeat(ClaimedUnit unit, Duration lease) {
            if (open != null) {
                open.workQueue().heartbeat(unit, lease);
            }
        }

        @Override
        public synchronized void enqueue(String queue, List<NewUnit> units) {
            storage().workQueue().enqueue(queue, units);
        }

        @Override
        public synchronized Optional<ClaimedUnit> claim(String queue, String worker, Duration lease) {
            return storage().workQueue().claim(queue, worker, lease);
        }

        @Override
        public synchronized void complete(ClaimedUnit unit, String resultJson) {
            storage().workQueue().complete(unit, resultJson);
        }

        @Override
        public synchronized void fail(ClaimedUnit unit, String message) {
            storage().workQueue().fail(unit, message);
        }

        @Override
        public synchronized void release(ClaimedUnit unit) {
            storage().workQueue().release(unit);
        }

        @Override
        public synchronized int retryFailed(String queue) {
            return storage().workQueue().retryFailed(queue);
        }

        @Override
        public synchronized List<Unit> units(String queue) {
            return storage().workQueue().units(queue);
        }

        @Override
        public synchronized List<String> queues() {
            return storage().workQueue().queues();
        }

        @Override
        public synchronized void close() {
            if (open != null) {
                open.close();
                open = null;
            }
        }
    }
}
