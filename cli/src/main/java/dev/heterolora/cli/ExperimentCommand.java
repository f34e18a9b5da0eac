package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.model.AdapterPlan;
import dev.heterolora.model.HeteroloraException;
import dev.heterolora.model.ModelConfig;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.Regulariser;
import dev.heterolora.trainer.world.Demonstration;
import dev.heterolora.trainer.world.Task;
import dev.heterolora.trainer.world.WorldFiles;
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

        private record Row(String variant, long trainable, List<RlhfJob.Outcome> runs) {}

        private final java.util.Map<String, Integer> failures = new java.util.TreeMap<>();

        @Override
        public Integer call() {
            PpoSettings base = ppo.settings();
            List<Row> rows = new ArrayList<>();
            try (StudyStore db = store.open()) {
                Path world = WorldHome.ensure(store, model.compute(), System.err);
                Path policy = WorldHome.policy(world);
                ModelConfig config = ModelConfig.read(policy);
                List<String> prompts = WorldFiles.readSft(WorldHome.data(world, WorldFiles.SFT)).stream()
                        .map(Demonstration::prompt).distinct().toList();
                List<Task> eval = WorldFiles.readEval(WorldHome.data(world, WorldFiles.EVAL));
                AdapterPlan plan = AdapterPlan.uniform(config.sites(false), rank, 2.0 * rank);
                try (HfTokenCodec codec = HfTokenCodec.load(policy, config)) {
                    RlhfJob.Inputs in = new RlhfJob.Inputs(policy, WorldHome.reward(world), prompts, eval, codec);
                    if (!noFull) {
                        rows.add(run(db, in, "full fine-tune / " + base.regulariser().id(), new Tuning.Full(),
                                base.withLearningRate(fullLr), config.baseParameters()));
                    }
                    long lora = plan.trainableParameters(config);
                    List<String> names = regularisers.contains("all") ? java.util.Arrays.stream(Regulariser.values())
                            .map(Regulariser::id).toList() : regularisers;
                    for (String r : names) {
                        rows.add(run(db, in, "LoRA r" + rank + " / " + Regulariser.parse(r).id(),
                                new Tuning.Lora(plan, 0f), base.withRegulariser(Regulariser.parse(r)), lora));
                    }
                }
                long id = db.createRun(null, null, "experiment-rlhf", table(rows, base).toString(),
                        store.home().resolve("runs").resolve("experiment-rlhf").toString());
                db.finishRun(id, "finished", null);
                System.err.println("experiment stored as run " + id + " (its config_json holds the table)");
            }
            print(spec.commandLine().getOut(), rows, base);
            return 0;
        }

        private Row run(StudyStore db, RlhfJob.Inputs in, String variant, Tuning tuning, PpoSettings settings,
                        long trainable) {
            List<RlhfJob.Outcome> outs = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                PpoSettings ps = settings.withSeed(settings.seed() + s);
                ObjectNode cfg = Json.object().put("experiment", "rlhf").put("variant", variant).put("seed", ps.seed())
                        .put("steps", ps.steps());
                Path out = store.home().resolve("runs").resolve("experiment-rlhf").resolve(
                        variant.replaceAll("[^A-Za-z0-9]+", "-") + "-seed" + ps.seed());
                System.err.printf("%s, seed %d%n", variant, ps.seed());
                try {
                    outs.add(RlhfJob.run(db, null, null, in, tuning, ps, ppo.value(), model.compute(), out,
                            new RlhfJob.Options(0, 0, evalPrompts, 0.7, !json), cfg));
                } catch (HeteroloraException e) {
                    // the run is marked failed in the database; the table counts it and the comparison goes on
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
                        .put("weights_mb", mean(r, RlhfJob.Outcome::weightsMb))
                        .put("state_mb", mean(r, RlhfJob.Outcome::stateMb))
                        .put("rollout_tokens_per_second", mean(r, RlhfJob.Outcome::rolloutTokensPerSecond))
                        .put("train_step_seconds", mean(r, RlhfJob.Outcome::trainStepSeconds));
                o.put("failed", failures.getOrDefault(r.variant(), 0));
                o.put("win_rate", mean(r, o2 -> o2.after().winRate()))
                        .put("reward", mean(r, o2 -> o2.after().meanReward()))
                        .put("factuality", mean(r, o2 -> o2.after().factuality()))
                        .put("kl", mean(r, o2 -> o2.after().klToReference()))
                        .put("seconds", mean(r, RlhfJob.Outcome::seconds));
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
                    + "factuality %.3f%n", base.steps(), base.rolloutBatch(), seeds, first.before().meanReward(),
                    first.before().factuality()));
            out.printf("%-26s %10s %8s %8s %8s %9s %7s %10s %9s %8s %9s %7s %6s%n", "variant", "trainable",
                    "win-rate", "reward", "factual", "KL to ref", "± win", "weights MB", "state MB", "seconds",
                    "rollout/s", "step s", "failed");
            for (Row r : rows) {
                out.printf("%-26s %,10d %8.3f %8.3f %8.3f %9.3f %7.3f %10.1f %9.2f %8.0f %9.0f %7.2f %6d%n",
                        r.variant(), r.trainable(), mean(r, o -> o.after().winRate()),
                        mean(r, o -> o.after().meanReward()), mean(r, o -> o.after().factuality()),
                        mean(r, o -> o.after().klToReference()), std(r, o -> o.after().winRate()),
                        mean(r, RlhfJob.Outcome::weightsMb), mean(r, RlhfJob.Outcome::stateMb),
                        mean(r, RlhfJob.Outcome::seconds),
                        mean(r, RlhfJob.Outcome::rolloutTokensPerSecond), mean(r, RlhfJob.Outcome::trainStepSeconds),
                        failures.getOrDefault(r.variant(), 0));
            }
            out.println("weights MB: every resident model weight (policy + adapters, frozen reference copy, reward "
                    + "model, value model); state MB: gradients and AdamW moments of what is trained (variants share "
                    + "one process, so peak RSS is not comparable here: `train` prints it per run); rollout/s: "
                    + "sampled tokens per second; step s: PPO optimisation time per step");
        }

        private static double mean(Row r, java.util.function.ToDoubleFunction<RlhfJob.Outcome> f) {
            return r.runs().stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        private static double std(Row r, java.util.function.ToDoubleFunction<RlhfJob.Outcome> f) {
            double m = mean(r, f);
            return Math.sqrt(r.runs().stream().mapToDouble(o -> Math.pow(f.applyAsDouble(o) - m, 2)).average()
                    .orElse(Double.NaN));
        }
    }
}
