package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.app.RlhfJob;
import dev.heterolora.app.TrainRuns;
import dev.heterolora.studies.StudyStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora train}: aligns the policy with PPO, training only the adapters of a chosen plan (the best of a
 * study, a plan file, or a uniform LoRA baseline), or every weight with {@code --full-finetune}.
 */
@Command(name = "train", description = "LoRA-PPO: align the policy, training only the adapters of a plan (--best from "
        + "a study, --plan FILE, --uniform-rank R) or all weights (--full-finetune).",
        footer = {"", "Examples:", "  heterolora train --best                        # the latest study's best plan",
                "  heterolora study 3 --plan-out plan.json && heterolora train --plan plan.json --steps 200",
                "  heterolora train --uniform-rank 8 --seed 1      # plain LoRA baseline"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Mixin
    ModelOptions model;

    @Mixin
    PpoOptions ppo;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    /** Where the trainable part comes from. */
    static final class Which {
        @Option(names = "--best", description = "the best plan of the latest (or --study) study")
        boolean best;

        @Option(names = "--plan", paramLabel = "PLAN.json", description = "a plan file")
        Path plan;

        @Option(names = "--uniform-rank", paramLabel = "R", description = "plain LoRA: rank R on every projection")
        Integer uniformRank;

        @Option(names = "--full-finetune", description = "train every weight (reference = a frozen copy)")
        boolean full;

        @Option(names = "--resume", paramLabel = "RUN", description = "continue a failed or interrupted run from its "
                + "last checkpoint (same settings, optimizer state and prompt order)")
        Long resume;
    }

    @Option(names = "--study", paramLabel = "ID|NAME", description = "study for --best (default: the latest)")
    String study;

    @Option(names = "--reward", paramLabel = "DIR", description = "reward model folder (default: the world's)")
    Path rewardDir;

    @Option(names = "--prompts", paramLabel = "FILE.jsonl", description = "training prompts ({\"prompt\": …}; "
            + "default: the world's)")
    Path prompts;

    @Option(names = "--eval-every", defaultValue = "10", description = "evaluate every N steps (default: "
            + "${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--eval-prompts", defaultValue = "200", description = "held-out prompts per evaluation "
            + "(default: ${DEFAULT-VALUE})")
    int evalPrompts;

    @Option(names = "--checkpoint-every", defaultValue = "10", description = "checkpoint every N steps (default: "
            + "${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: <home>/runs/<name>)")
    Path out;

    @Option(names = "--json", description = "print a JSON summary (no progress bar)")
    boolean json;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (StudyStore db = store.open(); PpoProgressBar bar = new PpoProgressBar(!json && !noProgress)) {
            RlhfJob.Outcome o = which.resume != null ? TrainRuns.resume(db, which.resume, model.compute(), bar)
                    : TrainRuns.start(db, store.home(), new TrainRuns.Request(source(db), model.model, rewardDir,
                            prompts, evalEvery, evalPrompts, checkpointEvery, out, ppo.settings(), ppo.value()),
                            model.compute(), bar, System.err);
            bar.close();
            print(spec.commandLine().getOut(), o);
        }
        return 0;
    }

    private TrainRuns.Source source(StudyStore db) {
        if (which.full) {
            return new TrainRuns.Source.Full();
        }
        if (which.uniformRank != null) {
            return new TrainRuns.Source.Uniform(which.uniformRank);
        }
        return which.plan != null ? new TrainRuns.Source.PlanFile(which.plan)
                : new TrainRuns.Source.Best(study == null ? null : StudyRef.find(db, study).id());
    }

    private void print(PrintWriter out, RlhfJob.Outcome o) {
        if (json) {
            ObjectNode j = Json.object();
            j.put("run", o.runId()).put("seconds", o.seconds()).put("output", o.outputDir().toString())
                    .put("rollout_tokens_per_second", o.rolloutTokensPerSecond())
                    .put("train_step_seconds", o.trainStepSeconds()).put("weights_mb", o.weightsMb())
                    .put("state_mb", o.stateMb()).put("peak_rss_mb", o.peakRssMb());
            if (o.after() != null) {
                j.put("win_rate", o.after().winRate()).put("reward", o.after().meanReward())
                        .put("factuality", o.after().factuality()).put("kl", o.after().klToReference());
                j.put("reward_before", o.before().meanReward()).put("factuality_before", o.before().factuality());
            }
            out.println(j);
            return;
        }
        out.printf("run %d finished in %.1f s; adapters in %s%n", o.runId(), o.seconds(), o.outputDir().resolve("final"));
        if (o.after() != null) {
            out.printf("before: %s%nafter:  %s%n", o.before(), o.after());
        }
        out.printf("rollout %.0f tokens/s, train step %.2f s; weights %.1f MB, gradients + AdamW moments %.2f MB, "
                + "peak RSS %.0f MiB%n", o.rolloutTokensPerSecond(), o.trainStepSeconds(), o.weightsMb(), o.stateMb(),
                o.peakRssMb());
    }
}
