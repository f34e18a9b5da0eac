package dev.heterolora.cli;

import dev.heterolora.app.RlhfExperiment;
import dev.heterolora.app.RlhfExperiment.Result;
import dev.heterolora.app.RlhfExperiment.Row;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.trainer.ppo.PpoSettings;
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
        subcommands = {ExperimentCommand.Rlhf.class, AllocationCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  heterolora experiment rlhf --seeds 3 --regularisers kl,none,js",
                "  heterolora experiment allocation --budgets 0.2%%,1%% --seeds 3",
                "  heterolora experiment allocation --json > allocation.json"})
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
     * (every variant is a run in the database). The runs are shared by every process that runs the same command
     * against the same database.
     */
    @Command(name = "rlhf", description = "Full fine-tune PPO vs LoRA PPO, and LoRA PPO with kl, none, js (and "
            + "others): several seeds, one table. Run the same command in several processes (a server or "
            + "PostgreSQL database) to share the runs.",
            footer = {"", "Examples:", "  heterolora experiment rlhf                       # kl, none, js and full, 2 seeds",
                    "  heterolora experiment rlhf --no-full --rank 4 --seeds 3 --json",
                    "  heterolora experiment rlhf --name paper --db jdbc:postgresql://db/hl   # on every machine"})
    static final class Rlhf implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Mixin
        ModelOptions model;

        @Mixin
        PpoOptions ppo;

        @Option(names = "--name", defaultValue = "default", description = "experiment name: the work queue and "
                + "the stored table (default: ${DEFAULT-VALUE})")
        String name;

        @Mixin
        LeaseOption lease;

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

        @Override
        public Integer call() {
            PpoSettings base = ppo.settings();
            RlhfExperiment.Launcher launcher = new RlhfExperiment.Launcher() {
                @Override
                public List<String> flags(List<String> tuning, PpoSettings settings) {
                    List<String> args = new ArrayList<>(tuning);
                    args.addAll(PpoOptions.arguments(settings, ppo.value()));
                    args.addAll(List.of("--eval-every", "0", "--checkpoint-every", "0", "--eval-prompts",
                            String.valueOf(evalPrompts)));
                    return args;
                }

                @Override
                public String train(List<String> flags, Path out) {
                    List<String> args = new ArrayList<>(List.of("train"));
                    args.addAll(flags);
                    args.addAll(List.of("--json", "--out", out.toString(), "--device", model.device, "--dtype",
                            model.dtype));
                    args.addAll(store.arguments());
                    return ChildProcess.runHeterolora(args);
                }

                @Override
                public void stop() {
                    ChildProcess.stopRunning();
                }
            };
            RlhfExperiment.Database database = new RlhfExperiment.Database() {
                @Override
                public StudyStorage open() {
                    return store.open();
                }

                @Override
                public boolean shared() {
                    return !store.database().embeddedFile();
                }
            };
            var request = new RlhfExperiment.Request(name, base, regularisers, seeds, rank, !noFull, fullLr,
                    lease.lease());
            RlhfExperiment.Outcome o = RlhfExperiment.run(database, store.home(), request, model.compute(), launcher,
                    (done, total) -> System.err.printf("experiment rlhf '%s': %d of %d runs finished%n", name, done,
                            total), System.err);
            System.err.println("experiment stored as run " + o.runId() + " (its config_json holds the table); "
                    + o.completedHere() + " run(s) trained by this process");
            print(spec.commandLine().getOut(), o, base);
            return 0;
        }

        private void print(PrintWriter out, RlhfExperiment.Outcome o, PpoSettings base) {
            List<Row> rows = o.rows();
            if (json) {
                out.println(RlhfExperiment.table(rows, base, seeds));
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
                        r.variant(), r.trainable(), r.mean(Result::winRate), r.mean(Result::reward),
                        r.mean(Result::factuality), r.mean(Result::kl), r.std(Result::winRate),
                        r.mean(Result::weightsMb), r.mean(Result::stateMb), r.mean(Result::peakRssMb),
                        r.mean(Result::seconds), r.mean(Result::rolloutTokensPerSecond),
                        r.mean(Result::trainStepSeconds), r.failed());
            }
            out.println("weights MB: every resident model weight (policy + adapters, frozen reference copy, reward "
                    + "model, value model); state MB: gradients and AdamW moments of what is trained; peak MiB: peak "
                    + "RSS of the run's own JVM (at this model size mostly JVM and libtorch); rollout/s: sampled "
                    + "tokens per second; step s: PPO optimisation time per step");
            o.failures().forEach(f -> out.println("not trained: " + f));
        }
    }
}
