package dev.heterolora.app;

import dev.heterolora.studies.Status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.Regulariser;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The second paper's comparison on the embedded world: full fine-tuning PPO against LoRA PPO, and LoRA PPO under
 * each regulariser, over several seeds. Every run is a {@code train} launched through a {@link Launcher} (the CLI
 * gives each its own JVM, so peak memory is per run and a crash costs one run); the table is stored as a run.
 */
public final class RlhfExperiment {
    private RlhfExperiment() {}

    /** Runs one {@code train} with these tuning flags and settings into {@code out}; returns its JSON summary. */
    @FunctionalInterface
    public interface Launcher {
        /** @throws HeteroloraException when the run fails (it has printed and stored its own error) */
        String train(List<String> tuning, PpoSettings settings, Path out);
    }

    /** What to compare. */
    public record Request(PpoSettings base, List<String> regularisers, int seeds, int rank, boolean full,
                          double fullLearningRate) {}

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
     * Runs every variant and seed. It holds no database connection while the runs go (each run is a process that
     * opens the study database itself); {@link #store} records the table afterwards.
     */
    public static List<Row> run(Path home, Request r, ComputeSettings compute, Launcher launcher, PrintStream log) {
        Path world = WorldHome.ensure(home, compute, log);
        ModelConfig config = ModelConfig.read(WorldHome.policy(world));
        Path runs = runsDir(home);
        List<Row> rows = new ArrayList<>();
        PpoSettings base = r.base();
        if (r.full()) {
            rows.add(variant("full fine-tune / " + base.regulariser().id(), List.of("--full-finetune"),
                    base.withLearningRate(r.fullLearningRate()), config.baseParameters(), r.seeds(), runs, launcher,
                    log));
        }
        long lora = AdapterPlan.uniform(config.sites(false), r.rank(), 2.0 * r.rank()).trainableParameters(config);
        List<String> names = r.regularisers().contains("all") ? Arrays.stream(Regulariser.values())
                .map(Regulariser::id).toList() : r.regularisers();
        for (String name : names) {
            Regulariser reg = Regulariser.parse(name);
            rows.add(variant("LoRA r" + r.rank() + " / " + reg.id(), List.of("--uniform-rank",
                    String.valueOf(r.rank())), base.withRegulariser(reg), lora, r.seeds(), runs, launcher, log));
        }
        return rows;
    }

    /** Stores the table as a finished run of kind {@code experiment-rlhf}; returns its id. */
    public static long store(StudyStorage db, Path home, Request r, List<Row> rows) {
        long id = db.createRun(null, null, "experiment-rlhf", table(rows, r.base(), r.seeds()).toString(),
                runsDir(home).toString());
        db.finishRun(id, Status.FINISHED, null);
        return id;
    }

    private static Path runsDir(Path home) {
        return home.resolve("runs").resolve("experiment-rlhf");
    }

    private static Row variant(String name, List<String> tuning, PpoSettings settings, long trainable, int seeds,
                               Path runs, Launcher launcher, PrintStream log) {
        List<Result> outs = new ArrayList<>();
        int failed = 0;
        for (int s = 0; s < seeds; s++) {
            PpoSettings ps = settings.withSeed(settings.seed() + s);
            Path out = runs.resolve(name.replaceAll("[^A-Za-z0-9]+", "-") + "-seed" + ps.seed());
            log.printf("%s, seed %d%n", name, ps.seed());
            try {
                outs.add(Result.of(Json.read(launcher.train(tuning, ps, out))));
            } catch (HeteroloraException e) {
                // the run printed its error and marked itself failed; the comparison goes on
                log.println("heterolora: " + name + ", seed " + ps.seed() + " failed: " + e.getMessage());
                failed++;
            }
        }
        return new Row(name, trainable, outs, failed);
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
}
