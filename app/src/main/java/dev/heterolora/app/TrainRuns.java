package dev.heterolora.app;

import dev.heterolora.studies.Status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.ValueSetup;
import dev.heterolora.trainer.world.Demonstration;
import dev.heterolora.trainer.world.Task;
import dev.heterolora.trainer.world.WorldFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The RLHF training use case as users start it: which weights train (the best plan of a study, a plan file, plain
 * LoRA at a uniform rank, or everything), on which policy, reward model and prompts (the embedded world's unless
 * given), and where the output goes; or a stored run continued from its checkpoint with its stored settings.
 */
public final class TrainRuns {
    private TrainRuns() {}

    /** Where the trainable part comes from. */
    public sealed interface Source {
        /** The best plan of a study ({@code studyId} null = the latest). */
        record Best(Long studyId) implements Source {}

        /** A plan file. */
        record PlanFile(Path path) implements Source {}

        /** Plain LoRA: one rank on every projection. */
        record Uniform(int rank) implements Source {}

        /** Every weight trains; the reference is a frozen copy. */
        record Full() implements Source {}
    }

    /**
     * A new run. {@code model}, {@code reward} and {@code prompts} null = the embedded world's; {@code out} null = a
     * fresh folder under {@code <home>/runs}.
     */
    public record Request(Source source, Path model, Path reward, Path prompts, int evalEvery, int evalPrompts,
                          int checkpointEvery, Path out, PpoSettings settings, ValueSetup value) {}

    /** The tuning a source stands for on a model, and the study and trial it came from (or null). */
    private record Choice(Tuning tuning, String label, Long studyId, Long trialId) {}

    /** Starts a new PPO run. */
    public static RlhfJob.Outcome start(StudyStorage db, Path home, Request r, ComputeSettings compute,
                                        RlhfJob.Listener listener, PrintStream log) {
        PpoSettings settings = r.settings();
        // a plan that does not fit a given model fails before the world (minutes) is built for the other inputs
        Choice given = r.model() != null ? choose(db, r.source(), ModelConfig.read(r.model())) : null;
        Path world = r.model() == null || r.reward() == null || r.prompts() == null
                ? WorldHome.ensure(home, compute, log) : null;
        Path policyDir = r.model() != null ? r.model() : WorldHome.policy(world);
        Choice choice = given != null ? given : choose(db, r.source(), ModelConfig.read(policyDir));
        Path reward = r.reward() != null ? r.reward() : WorldHome.reward(world);
        Path promptFile = r.prompts() != null ? r.prompts() : WorldHome.data(world, WorldFiles.SFT);
        Path evalFile = world != null && r.model() == null ? WorldHome.data(world, WorldFiles.EVAL) : null;
        ObjectNode stored = Json.object();
        stored.put("tuning", choice.label()).put("policy", policyDir.toString()).put("reward", reward.toString())
                .put("regulariser", settings.regulariser().id()).put("seed", settings.seed())
                .put("steps", settings.steps());
        if (choice.tuning() instanceof Tuning.Lora l) {
            stored.set("plan", l.plan().toJson());
        }
        stored.set("ppo", Json.MAPPER.valueToTree(settings));
        stored.set("value", Json.MAPPER.valueToTree(r.value()));
        stored.put("prompts", promptFile.toString());
        stored.put("eval", evalFile != null ? evalFile.toString() : null);
        stored.put("eval_every", r.evalEvery()).put("checkpoint_every", r.checkpointEvery())
                .put("eval_prompts", r.evalPrompts());
        Path outDir = r.out() != null ? r.out() : home.resolve("runs").resolve(choice.label() + "-"
                + settings.regulariser().id() + "-seed" + settings.seed() + "-" + System.currentTimeMillis());
        return execute(db, choice.studyId(), choice.trialId(), stored, choice.tuning(), settings, r.value(), compute,
                outDir, null, listener);
    }

    /** Continues PPO run {@code id} from its checkpoint with the configuration stored with it. */
    public static RlhfJob.Outcome resume(StudyStorage db, long id, ComputeSettings compute, RlhfJob.Listener listener) {
        var run = db.run(id).orElseThrow(() -> new HeteroloraException("no run with id " + id));
        if (!run.kind().equals("ppo")) {
            throw new HeteroloraException("run " + id + " is a " + run.kind() + " run, not a PPO run");
        }
        if (run.status() == Status.FINISHED) {
            throw new HeteroloraException("run " + id + " has finished; nothing to resume");
        }
        ObjectNode c = (ObjectNode) Json.read(run.configJson());
        Path checkpoint = Path.of(c.get("output").asText()).resolve("checkpoint");
        int fromStep;
        try {
            fromStep = Integer.parseInt(Files.readString(checkpoint.resolve("step.txt")).trim()) + 1;
        } catch (IOException | NumberFormatException e) {
            throw new HeteroloraException("run " + id + " has no readable checkpoint in " + checkpoint);
        }
        // runs stored before --top-p existed sampled with top-p 1
        ObjectNode ppo = (ObjectNode) c.get("ppo");
        if (!ppo.has("topP")) {
            ppo.put("topP", 1.0);
        }
        try {
            PpoSettings settings = Json.MAPPER.treeToValue(ppo, PpoSettings.class);
            // runs stored before --value existed trained a head on the policy
            ValueSetup value = c.hasNonNull("value") ? Json.MAPPER.treeToValue(c.get("value"), ValueSetup.class)
                    : new ValueSetup(ValueSetup.Kind.SHARED, ValueSetup.defaults().rank());
            Tuning tuning = c.get("tuning").asText().equals("full") ? new Tuning.Full()
                    : new Tuning.Lora(AdapterPlan.fromJson(c.get("plan")), 0f);
            return execute(db, run.studyId(), run.trialId(), c, tuning, settings, value, compute,
                    Path.of(c.get("output").asText()), new RlhfJob.Resume(id, fromStep, checkpoint), listener);
        } catch (JsonProcessingException e) {
            throw new HeteroloraException("run " + id + " has an unreadable stored configuration: "
                    + e.getOriginalMessage());
        }
    }

    private static Choice choose(StudyStorage db, Source source, ModelConfig config) {
        return switch (source) {
            case Source.Full f -> new Choice(new Tuning.Full(), "full", null, null);
            case Source.Uniform u -> new Choice(new Tuning.Lora(AdapterPlan.uniform(config.sites(false), u.rank(),
                    2.0 * u.rank()).validateFor(config), 0f), "uniform-r" + u.rank(), null, null);
            case Source.PlanFile p -> new Choice(new Tuning.Lora(AdapterPlan.read(p.path()).validateFor(config), 0f),
                    "plan", null, null);
            case Source.Best b -> {
                Study s = b.studyId() == null ? db.latestStudy() : db.study(b.studyId())
                        .orElseThrow(() -> new HeteroloraException("no study with id " + b.studyId()));
                Trial t = db.bestTrial(s.id()).orElseThrow(() -> new HeteroloraException("study " + s.id()
                        + " has no feasible trial"));
                // the refine stage's winner (measured by training) beats the proxy's best when there is one
                Optional<AdapterPlan> refined = RefineStage.winner(db, s.id());
                AdapterPlan plan = refined.orElseGet(() -> AdapterPlan.fromJson(t.planJson()));
                yield new Choice(new Tuning.Lora(plan.validateFor(config), 0f), "study" + s.id() + "-best", s.id(),
                        refined.isPresent() ? null : t.id());
            }
        };
    }

    /** Reads the prompts and held-out tasks the stored configuration names and runs PPO. */
    private static RlhfJob.Outcome execute(StudyStorage db, Long studyId, Long trialId, ObjectNode c, Tuning tuning,
                                           PpoSettings settings, ValueSetup value, ComputeSettings compute,
                                           Path outDir, RlhfJob.Resume resume, RlhfJob.Listener listener) {
        Path policyDir = Path.of(c.get("policy").asText());
        List<String> prompts = WorldFiles.readSft(Path.of(c.get("prompts").asText())).stream()
                .map(Demonstration::prompt).distinct().toList();
        List<Task> eval = c.hasNonNull("eval") ? WorldFiles.readEval(Path.of(c.get("eval").asText())) : List.of();
        try (HfTokenCodec codec = HfTokenCodec.load(policyDir, ModelConfig.read(policyDir))) {
            return RlhfJob.run(db, studyId, trialId,
                    new RlhfJob.Inputs(policyDir, Path.of(c.get("reward").asText()), prompts, eval, codec), tuning,
                    settings, value, compute, outDir, new RlhfJob.Options(c.get("eval_every").asInt(),
                            c.get("checkpoint_every").asInt(), c.get("eval_prompts").asInt(), 0.7), c, resume,
                    listener);
        }
    }
}
