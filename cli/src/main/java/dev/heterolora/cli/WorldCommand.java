package dev.heterolora.cli;

import dev.heterolora.app.WorldHome;

import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.world.WorldBuilder;
import dev.heterolora.trainer.world.WorldReport;
import dev.heterolora.trainer.world.WorldSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora world}: the embedded task world every command uses when no --model is given. */
@Command(name = "world", description = "Build or describe the embedded world (tasks with an exact oracle, SFT "
        + "policy, reward model).", subcommands = {WorldCommand.Build.class, WorldCommand.Info.class,
            CommandLine.HelpCommand.class})
final class WorldCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code world build}: builds the world deterministically from a seed. */
    @Command(name = "build", description = "Build the embedded world (deterministic from --seed; a few minutes).")
    static final class Build implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--seed", description = "world seed (default: " + 7 + ")")
        Long seed;

        @Option(names = "--tiny", description = "a tiny world (seconds; for tests: its policy answers nothing right yet)")
        boolean tiny;

        @Option(names = "--small", description = "a small world where a short PPO run visibly helps (about a minute)")
        boolean small;

        @Option(names = "--out", paramLabel = "DIR", description = "build here instead of <home>/world")
        Path out;

        @Option(names = "--force", description = "replace an existing world")
        boolean force;

        @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu")
        String device;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path dir = out != null ? out : WorldHome.dir(store.home());
            if (Files.exists(dir.resolve(WorldBuilder.REPORT)) && !force) {
                throw new HeteroloraException("a world already exists in " + dir + " (use --force to rebuild it)");
            }
            if (tiny && small) {
                throw new HeteroloraException("choose one of --tiny and --small");
            }
            WorldSpec spec0 = tiny ? WorldSpec.tiny() : small ? WorldSpec.small() : WorldSpec.defaults();
            WorldSpec s = seed == null ? spec0 : spec0.withSeed(seed);
            WorldBuilder.Training training = WorldBuilder.Training.forSpec(spec0);
            WorldReport r = WorldBuilder.build(s, training, ComputeSettings.parse(device, "fp32"), dir, true, true);
            Info.print(spec.commandLine().getOut(), dir, r);
            return 0;
        }
    }

    /** {@code world info}: sizes and the measured quality of the world's models. */
    @Command(name = "info", description = "Sizes, SFT accuracy, style rate, factuality, reward-model accuracy.")
    static final class Info implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Option(names = "--dir", paramLabel = "DIR", description = "a world folder other than <home>/world")
        Path dir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path d = dir != null ? dir : WorldHome.dir(store.home());
            if (!Files.isRegularFile(d.resolve(WorldBuilder.REPORT))) {
                throw new HeteroloraException("no world in " + d + " (run heterolora world build)");
            }
            WorldReport r = WorldBuilder.read(d);
            if (json) {
                spec.commandLine().getOut().println(r.toJson().replaceAll("\\s*\\n\\s*", " "));
            } else {
                print(spec.commandLine().getOut(), d, r);
            }
            return 0;
        }

        static void print(java.io.PrintWriter out, Path dir, WorldReport r) {
            out.printf("world %s (seed %d)%n", dir, r.spec().seed());
            out.printf("policy            %,d parameters, vocabulary %d%n", r.policyParameters(), r.vocabSize());
            out.printf("data              %d SFT demonstrations, %d/%d preference pairs (train/held-out), %d eval "
                    + "prompts (%d facts)%n", r.sftDemos(), r.pairsTrain(), r.pairsHeldOut(), r.evalPrompts(),
                    r.evalFacts());
            out.printf("SFT policy        accuracy %.3f, style rate %.3f, factuality %.3f (sampled at T=%.1f)%n",
                    r.sft().accuracy(), r.sft().styleRate(), r.sft().factAccuracy(), r.training().evalTemperature());
            out.printf("reward model      held-out pairwise accuracy %.3f vs the oracle, %.3f vs the noisy labels%n",
                    r.reward().heldOutAccuracyVsOracle(), r.reward().heldOutAccuracyVsLabels());
        }
    }
}
