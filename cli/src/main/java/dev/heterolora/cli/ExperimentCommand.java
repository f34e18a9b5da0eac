package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.Regulariser;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora experiment}: the papers' comparisons, reproduced on the embedded world. */
@Command(name = "experiment", description = "Reproduce the papers' comparisons on the embedded world.",
        subcommands = {ExperimentCommand.Rlhf.class, CommandLine.HelpCommand.class})
final class ExperimentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code experiment rlhf}: full fine-tuning PPO against LoRA PPO, and LoRA PPO under each regulariser, over
     * several seeds; one table (win-rate, reward, factuality, KL, memory, seconds), printed and stored
     * (every variant is a run in the database).
     */
    @Command(name = "rlhf", description = "Full fine-tune PPO vs LoRA PPO, and LoRA PPO with kl, none, js (and "
            + "others): several seeds, one table.")
    static final class Rlhf implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Mixin
        ModelOptions model;

        @Mixin
        PpoOptions ppo;

        @Option(names = "--regularisers", split = ",", defaultValue = "kl,none,js", description = "LoRA variants, or "
                + "'all' (default: ${DEFAULT-VALUE})")
        List<String> regularisers;

        @Option(names = "--seeds", defaultValue = "2", description = "seeds per variant (default: ${DEFAULT-VALUE})")
        int seeds;

        @Option(names = "--rank", defaultValue = "8", description = "LoRA rank on every projection (default: "
                + "${DEFAULT-VALUE})")
        int rank;

        @Option(names = "--no-full", description = "skip the full fine-tuning baseline")
        boolean noFull;

        @Option(names = "--full-lr", defaultValue = "1e-5", description = "learning rate of full fine-tuning "
                + "(default: ${DEFAULT-VALUE})")
        double fullLr;

        @Option(names = "--eval-prompts", defaultValue = "200", description = "held-out prompts (default: "
                + "${DEFAULT-VALUE})")
        int evalPrompts;

        @Option(names = "--json", description = "print the table as JSON")
        boolean json;

        @Spec
        CommandSpec spec;

        /** One run's numbers, as its child {@code train --json} printed them. */
        private record Result(long runId, double winRate, double reward, double factuality, double kl,
                              double rewardBefore, double factualityBefore, double seconds, double weightsMb,
                              double stateMb, double peakRssMb, double rolloutTokensPerSecond,
                              double trainStepSeconds) {
            static Result of(com.fasterxml.jackson.databind.JsonNode j) {
                return new Result(j.get("run").asLong(), j.get("win_rate").asDouble(), j.get("reward").asDouble(),
                        j.get("factuality").asDouble(), j.get("kl").asDouble(), j.get("reward_before").asDouble(),
                        j.get("factuality_before").asDouble(), j.get("seconds").asDouble(),
                        j.get("weights_mb").asDouble(), j.get("state_mb").asDouble(), j.get("peak_rss_mb").asDouble(),
                        j.get("rollout_tokens_per_second").asDouble(), j.get("train_step_seconds").asDouble());
            }
        }

        private record Row(String variant, long trainable, List<Result> runs) {}

        private final java.util.Map<String, Integer> failures = new java.util.TreeMap<>();

        @Override
        public Integer call() {
            PpoSettings base = ppo.settings();
            List<Row> rows = new ArrayList<>();
            Path world = WorldHome.ensure(store, model.compute(), System.err);
            ModelConfig config = ModelConfig.read(WorldHome.policy(world));
            if (!noFull) {
                rows.add(run("full fine-tune / " + base.regulariser().id(), List.of("--full-finetune"),
                        base.withLearningRate(fullLr), config.baseParameters()));
            }
            long lora = AdapterPlan.uniform(config.sites(false), rank, 2.0 * rank).trainableParameters(config);
            List<String> names = regularisers.contains("all") ? java.util.Arrays.stream(Regulariser.values())
                    .map(Regulariser::id).toList() : regularisers;
            for (String r : names) {
                rows.add(run("LoRA r" + rank + " / " + Regulariser.parse(r).id(),
                        List.of("--uniform-rank", String.valueOf(rank)), base.withRegulariser(Regulariser.parse(r)),
                        lora));
            }
            try (StudyStore db = store.open()) {
                long id = db.createRun(null, null, "experiment-rlhf", table(rows, base).toString(),
                        store.home().resolve("runs").resolve("experiment-rlhf").toString());
                db.finishRun(id, "finished", null);
                System.err.println("experiment stored as run " + id + " (its config_json holds the table)");
            }
            print(spec.commandLine().getOut(), rows, base);
            return 0;
        }

        /**
         * Runs the variant once per seed, each as a child {@code heterolora train} in a fresh JVM, so every run's
         * peak memory is its own and a crash costs one run, not the comparison.
         */
        private Row run(String variant, List<String> tuning, PpoSettings settings, long trainable) {
            List<Result> outs = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                PpoSettings ps = settings.withSeed(settings.seed() + s);
                Path out = store.home().resolve("runs").resolve("experiment-rlhf").resolve(
                        variant.replaceAll("[^A-Za-z0-9]+", "-") + "-seed" + ps.seed());
                System.err.printf("%s, seed %d%n", variant, ps.seed());
                List<String> args = new ArrayList<>(List.of("train"));
                args.addAll(tuning);
                args.addAll(PpoOptions.arguments(ps, ppo.value()));
                args.addAll(List.of("--eval-every", "0", "--checkpoint-every", "0", "--eval-prompts",
                        String.valueOf(evalPrompts), "--json", "--out", out.toString(), "--device", model.device,
                        "--dtype", model.dtype));
                args.addAll(store.arguments());
                try {
                    outs.add(Result.of(Json.read(ChildProcess.runHeterolora(args))));
                } catch (HeteroloraException e) {
                    // the child printed its error and marked its run failed; the comparison goes on
                    System.err.println("heterolora: " + variant + ", seed " + ps.seed() + " failed: " + e.getMessage());
                    failures.merge(variant, 1, Integer::sum);
                }
            }
            return new Row(variant, trainable, outs);
        }

        /** The table as JSON: one object per variant with the means over seeds and the run ids. */
        private ArrayNode table(List<Row> rows, PpoSettings base) {
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (Row r : rows) {
                ObjectNode o = arr.addObject().put("variant", r.variant()).put("trainable", r.trainable())
                        .put("weights_mb", mean(r, Result::weightsMb))
                        .put("state_mb", mean(r, Result::stateMb))
                        .put("peak_rss_mb", mean(r, Result::peakRssMb))
                        .put("rollout_tokens_per_second", mean(r, Result::rolloutTokensPerSecond))
                        .put("train_step_seconds", mean(r, Result::trainStepSeconds));
                o.put("failed", failures.getOrDefault(r.variant(), 0));
                o.put("win_rate", mean(r, Result::winRate))
                        .put("reward", mean(r, Result::reward))
                        .put("factuality", mean(r, Result::factuality))
                        .put("kl", mean(r, Result::kl))
                        .put("seconds", mean(r, Result::seconds));
                ArrayNode runs = o.putArray("runs");
                r.runs().forEach(x -> runs.add(x.runId()));
                o.put("steps", base.steps()).put("seeds", seeds);
            }
            return arr;
        }

        private void print(PrintWriter out, List<Row> rows, PpoSettings base) {
            if (json) {
                out.println(table(rows, base));
                return;
            }
            rows.stream().flatMap(r -> r.runs().stream()).findFirst().ifPresent(first -> out.printf("LoRA-PPO on the "
                    + "embedded world: %d steps × %d prompts, %d seed(s); SFT policy before training: reward %.3f, "
                    + "factuality %.3f%n", base.steps(), base.rolloutBatch(), seeds, first.rewardBefore(),
                    first.factualityBefore()));
            out.printf("%-26s %10s %8s %8s %8s %9s %7s %10s %9s %9s %8s %9s %7s %6s%n", "variant", "trainable",
                    "win-rate", "reward", "factual", "KL to ref", "± win", "weights MB", "state MB", "peak MiB",
                    "seconds", "rollout/s", "step s", "failed");
            for (Row r : rows) {
                out.printf("%-26s %,10d %8.3f %8.3f %8.3f %9.3f %7.3f %10.1f %9.2f %9.0f %8.0f %9.0f %7.2f %6d%n",
                        r.variant(), r.trainable(), mean(r, Result::winRate), mean(r, Result::reward),
                        mean(r, Result::factuality), mean(r, Result::kl), std(r, Result::winRate),
                        mean(r, Result::weightsMb), mean(r, Result::stateMb), mean(r, Result::peakRssMb),
                        mean(r, Result::seconds), mean(r, Result::rolloutTokensPerSecond),
                        mean(r, Result::trainStepSeconds), failures.getOrDefault(r.variant(), 0));
            }
            out.println("weights MB: every resident model weight (policy + adapters, frozen reference copy, reward "
                    + "model, value model); state MB: gradients and AdamW moments of what is trained; peak MiB: peak "
                    + "RSS of the run's own JVM (at this model size mostly JVM and libtorch); rollout/s: sampled "
                    + "tokens per second; step s: PPO optimisation time per step");
        }

        private static double mean(Row r, java.util.function.ToDoubleFunction<Result> f) {
            return r.runs().stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        private static double std(Row r, java.util.function.ToDoubleFunction<Result> f) {
            double m = mean(r, f);
            return Math.sqrt(r.runs().stream().mapToDouble(o -> Math.pow(f.applyAsDouble(o) - m, 2)).average()
                    .orElse(Double.NaN));
        }
    }
}
