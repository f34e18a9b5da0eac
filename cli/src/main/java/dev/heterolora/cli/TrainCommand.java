package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.ValueSetup;
import dev.heterolora.trainer.world.Demonstration;
import dev.heterolora.trainer.world.Task;
import dev.heterolora.trainer.world.WorldFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
        + "a study, --plan FILE, --uniform-rank R) or all weights (--full-finetune).")
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

    @Option(names = "--study", paramLabel = "ID", description = "study for --best (default: the latest)")
    Long study;

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
    public Integer call() throws java.io.IOException {
        if (which.resume != null) {
            return resume(which.resume);
        }
        PpoSettings settings = ppo.settings();
        ValueSetup value = ppo.value();
        try (StudyStore db = store.open()) {
            Path world = model.model == null || rewardDir == null || prompts == null
                    ? WorldHome.ensure(store, model.compute(), System.err) : null;
            Path policyDir = model.model != null ? model.model : WorldHome.policy(world);
            ModelConfig config = ModelConfig.read(policyDir);
            Long studyId = null;
            Long trialId = null;
            Tuning tuning;
            String label;
            if (which.full) {
                tuning = new Tuning.Full();
                label = "full";
            } else if (which.uniformRank != null) {
                tuning = new Tuning.Lora(AdapterPlan.uniform(config.sites(false), which.uniformRank,
                        2.0 * which.uniformRank), 0f);
                label = "uniform-r" + which.uniformRank;
            } else if (which.plan != null) {
                tuning = new Tuning.Lora(AdapterPlan.read(which.plan).validateFor(config), 0f);
                label = "plan";
            } else {
                Study s = study == null ? db.latestStudy()
                        : db.study(study).orElseThrow(() -> new HeteroloraException("no study with id " + study));
                Trial t = db.bestTrial(s.id()).orElseThrow(() -> new HeteroloraException("study " + s.id()
                        + " has no feasible trial"));
                tuning = new Tuning.Lora(AdapterPlan.fromJson(t.planJson()).validateFor(config), 0f);
                studyId = s.id();
                trialId = t.id();
                label = "study" + s.id() + "-best";
            }
            Path reward = rewardDir != null ? rewardDir : WorldHome.reward(world);
            List<String> promptList = (prompts != null ? WorldFiles.readSft(prompts)
                    : WorldFiles.readSft(WorldHome.data(world, WorldFiles.SFT))).stream()
                    .map(Demonstration::prompt).distinct().toList();
            List<Task> eval = world != null && model.model == null ? WorldFiles.readEval(WorldHome.data(world,
                    WorldFiles.EVAL)) : List.of();
            ObjectNode config0 = Json.object();
            config0.put("tuning", label).put("policy", policyDir.toString()).put("reward", reward.toString())
                    .put("regulariser", settings.regulariser().id()).put("seed", settings.seed())
                    .put("steps", settings.steps());
            if (tuning instanceof Tuning.Lora l) {
                config0.set("plan", l.plan().toJson());
            }
            config0.set("ppo", Json.MAPPER.valueToTree(settings));
            config0.set("value", Json.MAPPER.valueToTree(value));
            config0.put("prompts", prompts != null ? prompts.toString() : WorldHome.data(world, WorldFiles.SFT)
                    .toString());
            config0.put("eval", !eval.isEmpty() ? WorldHome.data(world, WorldFiles.EVAL).toString() : null);
            config0.put("eval_every", evalEvery).put("checkpoint_every", checkpointEvery)
                    .put("eval_prompts", evalPrompts);
            Path outDir = out != null ? out : store.home().resolve("runs").resolve(label + "-"
                    + settings.regulariser().id() + "-seed" + settings.seed() + "-" + System.currentTimeMillis());
            try (HfTokenCodec codec = HfTokenCodec.load(policyDir, config)) {
                RlhfJob.Outcome o = RlhfJob.run(db, studyId, trialId,
                        new RlhfJob.Inputs(policyDir, reward, promptList, eval, codec), tuning, settings, value,
                        model.compute(), outDir, new RlhfJob.Options(evalEvery, checkpointEvery, evalPrompts, 0.7,
                                !json && !noProgress), config0);
                print(spec.commandLine().getOut(), o);
            }
        }
        return 0;
    }

    /** Continues run {@code id} from its checkpoint with the configuration stored with it. */
    private int resume(long id) throws java.io.IOException {
        try (StudyStore db = store.open()) {
            var run = db.run(id).orElseThrow(() -> new HeteroloraException("no run with id " + id));
            if (!run.kind().equals("ppo")) {
                throw new HeteroloraException("run " + id + " is a " + run.kind() + " run, not a PPO run");
            }
            if (run.status().equals("finished")) {
                throw new HeteroloraException("run " + id + " has finished; nothing to resume");
            }
            var c = (ObjectNode) Json.read(run.configJson());
            Path checkpoint = Path.of(c.get("output").asText()).resolve("checkpoint");
            if (!java.nio.file.Files.isRegularFile(checkpoint.resolve("step.txt"))) {
                throw new HeteroloraException("run " + id + " has no checkpoint in " + checkpoint);
            }
            int fromStep = Integer.parseInt(java.nio.file.Files.readString(checkpoint.resolve("step.txt")).trim()) + 1;
            // runs stored before --top-p existed sampled with top-p 1
            ObjectNode stored = (ObjectNode) c.get("ppo");
            if (!stored.has("topP")) {
                stored.put("topP", 1.0);
            }
            PpoSettings settings = Json.MAPPER.treeToValue(stored, PpoSettings.class);
            // runs stored before --value existed trained a head on the policy
            ValueSetup value = c.hasNonNull("value") ? Json.MAPPER.treeToValue(c.get("value"), ValueSetup.class)
                    : new ValueSetup(ValueSetup.Kind.SHARED, ValueSetup.defaults().rank());
            Path policyDir = Path.of(c.get("policy").asText());
            ModelConfig config = ModelConfig.read(policyDir);
            Tuning tuning = c.get("tuning").asText().equals("full") ? new Tuning.Full()
                    : new Tuning.Lora(AdapterPlan.fromJson(c.get("plan")), 0f);
            List<String> promptList = WorldFiles.readSft(Path.of(c.get("prompts").asText())).stream()
                    .map(Demonstration::prompt).distinct().toList();
            List<Task> eval = c.hasNonNull("eval") ? WorldFiles.readEval(Path.of(c.get("eval").asText())) : List.of();
            try (HfTokenCodec codec = HfTokenCodec.load(policyDir, config)) {
                RlhfJob.Outcome o = RlhfJob.run(db, run.studyId(), run.trialId(),
                        new RlhfJob.Inputs(policyDir, Path.of(c.get("reward").asText()), promptList, eval, codec),
                        tuning, settings, value, model.compute(), Path.of(c.get("output").asText()),
                        new RlhfJob.Options(c.get("eval_every").asInt(), c.get("checkpoint_every").asInt(),
                                c.get("eval_prompts").asInt(), 0.7, !json && !noProgress), c,
                        new RlhfJob.Resume(id, fromStep, checkpoint));
                print(spec.commandLine().getOut(), o);
            }
        }
        return 0;
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
