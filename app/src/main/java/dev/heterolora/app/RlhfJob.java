package dev.heterolora.app;

import dev.heterolora.studies.Heartbeat;
import dev.heterolora.studies.Status;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeftAdapters;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.TokenCodec;
import dev.heterolora.trainer.TrainerState;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.PpoStep;
import dev.heterolora.trainer.ppo.PpoTrainer;
import dev.heterolora.trainer.ppo.RlhfEvaluation;
import dev.heterolora.trainer.ppo.ValueFunction;
import dev.heterolora.trainer.ppo.ValueFunctions;
import dev.heterolora.trainer.ppo.ValueSetup;
import dev.heterolora.trainer.world.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One LoRA-PPO (or full fine-tuning PPO) run as the CLI runs it: the policy, its reference (adapters off, or a frozen
 * copy for full fine-tuning), the frozen reward model, metrics for every step written to the database as the run
 * goes, periodic checkpoints, held-out evaluation, and the final adapters in PEFT layout.
 */
public final class RlhfJob {
    private RlhfJob() {}

    /** What a run trains on and is judged by. */
    public record Inputs(Path policyDir, Path rewardDir, List<String> prompts, List<Task> evalTasks, TokenCodec codec) {}

    /**
     * How the run went.
     *
     * @param weightsMb every model weight resident during the run (policy, adapters, reference copy, reward model,
     *                  value model), MB
     * @param stateMb gradients and AdamW moments of everything trained, MB
     * @param peakRssMb the process's peak resident memory so far (Linux; NaN elsewhere), MiB
     */
    public record Outcome(long runId, RlhfEvaluation before, RlhfEvaluation after, double seconds, double weightsMb,
                   double stateMb, double peakRssMb, double rolloutTokensPerSecond, double trainStepSeconds,
                   Path outputDir) {}

    /** Where a resumed run continues: its id, the first step still to run, and the checkpoint it restarts from. */
    public record Resume(long runId, int fromStep, Path checkpoint) {}

    /** Run options beyond PPO's own settings. */
    public record Options(int evalEvery, int checkpointEvery, int evalPrompts, double evalTemperature) {}

    /** What a run tells its caller as it goes (the CLI draws a progress bar from it). */
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = new Listener() { };

        /** The run starts (or resumes) at {@code fromStep} of {@code steps}. */
        default void started(int steps, int fromStep) { }

        /** Step {@code step} is done and stored; {@code latest} is the latest held-out evaluation (or null). */
        default void stepDone(int step, Map<String, Double> metrics, RlhfEvaluation latest) { }
    }

    /** What a run accumulates over its steps: rollout and optimisation time, and the latest evaluation. */
    private static final class Tally {
        private RlhfEvaluation latest;
        private double rolloutSeconds;
        private double generatedTokens;
        private double optimiseSeconds;

        void add(PpoStep step) {
            rolloutSeconds += step.rolloutSeconds();
            generatedTokens += step.generatedTokens();
            optimiseSeconds += step.seconds() - step.rolloutSeconds();
        }

        double tokensPerSecond() {
            return generatedTokens / Math.max(rolloutSeconds, 1e-9);
        }
    }

    /**
     * Runs PPO, or continues it from {@code resume}'s checkpoint (adapters or weights, value function, optimizer
     * moments and β restored; the prompts and sampling seeds an uninterrupted run would have).
     */
    public static Outcome run(StudyStorage db, Long studyId, Long trialId, Inputs in, Tuning tuning, PpoSettings s,
                              ValueSetup value, ComputeSettings compute, Path outDir, Options o, ObjectNode config,
                              Resume resume, Listener listener) {
        config.put("output", outDir.toString());
        long runId;
        if (resume == null) {
            runId = db.createRun(studyId, trialId, "ppo", config.toString(), outDir.toString());
        } else {
            runId = resume.runId();
            db.reopenRun(runId);
        }
        long start = System.nanoTime();
        boolean full = !tuning.isLora();
        List<Task> eval = in.evalTasks().subList(0, Math.min(o.evalPrompts(), in.evalTasks().size()));
        Path checkpoint = outDir.resolve("checkpoint");
        TrainerState state = new TrainerState(outDir, s.steps(), s.rolloutBatch());
        if (resume != null) {
            db.metrics(runId).stream().filter(m -> m.step() < resume.fromStep())
                    .forEach(m -> state.add(m.step(), Map.of(m.name(), m.value())));
        }
        Path start0 = resume != null && full ? resume.checkpoint() : in.policyDir();
        try (Heartbeat beat = Heartbeat.ofRun(db, runId);
             Interruption stop = Interruption.register(() -> db.finishRun(runId, Status.INTERRUPTED, "interrupted"),
                     "interrupted; run " + runId + " marked interrupted (resume: heterolora train --resume " + runId
                             + ")", System.err);
             CausalLM policy = HfCheckpoint.load(start0, compute);
             CausalLM reference = full ? HfCheckpoint.load(in.policyDir(), compute) : null;
             RewardModel reward = RewardModel.load(in.rewardDir(), compute)) {
            var trainable = tuning.prepare(policy, s.seed());
            if (resume != null && !full) {
                PeftAdapters.importInto(policy, resume.checkpoint());
                trainable = policy.adapterParameters();
            }
            RlhfEvaluation before = eval.isEmpty() ? null : evaluate(policy, reference, reward, in, eval, o, s);
            double weightsMb;
            double stateMb;
            Tally tally = new Tally();
            tally.latest = before;
            int fromStep = resume == null ? 0 : resume.fromStep();
            try (ValueFunction critic = ValueFunctions.create(value, tuning, policy, reward, in.rewardDir(), compute,
                    s.seed(), resume == null ? null : resume.checkpoint());
                 PpoTrainer trainer = new PpoTrainer(policy, reference, reward, critic, in.codec(), trainable, s)) {
                weightsMb = (bytes(policy.baseParameters()) + bytes(policy.adapterParameters())
                        + (reference == null ? 0 : bytes(reference.baseParameters()))
                        + bytes(reward.backbone().baseParameters()) + bytes(List.of(reward.head().weight()))
                        + bytes(critic.heldParameters())) / 1e6;
                // a gradient and two fp32 moments per trained weight
                stateMb = trainer.trainableParameters().stream().mapToLong(p -> p.getArray().size()).sum()
                        * 12.0 / 1e6;
                if (resume != null) {
                    if (Files.isRegularFile(resume.checkpoint().resolve(PpoTrainer.STATE_FILE))) {
                        trainer.loadState(resume.checkpoint());
                    } else {
                        System.err.println("warning: checkpoint " + resume.checkpoint() + " has no optimizer state; "
                                + "continuing with fresh AdamW moments");
                    }
                }
                listener.started(s.steps(), fromStep);
                trainer.train(in.prompts(), done -> {
                    int step = done.step();
                    Map<String, Double> m = new LinkedHashMap<>(done.asMap());
                    tally.add(done);
                    boolean lastStep = step == s.steps() - 1;
                    if (!eval.isEmpty() && (lastStep || (o.evalEvery() > 0 && (step + 1) % o.evalEvery() == 0))) {
                        tally.latest = evaluate(policy, reference, reward, in, eval, o, s);
                        m.put("win_rate", tally.latest.winRate());
                        m.put("eval_reward", tally.latest.meanReward());
                        m.put("factuality", tally.latest.factuality());
                        m.put("accuracy", tally.latest.accuracy());
                        m.put("eval_kl", tally.latest.klToReference());
                    }
                    db.recordMetrics(runId, step, m);
                    state.record(step, m);
                    if (o.checkpointEvery() > 0 && ((step + 1) % o.checkpointEvery() == 0 || lastStep)) {
                        save(policy, critic, trainer, tuning, in, checkpoint, step, true);
                    }
                    listener.stepDone(step, m, tally.latest);
                }, fromStep);
                save(policy, critic, trainer, tuning, in, outDir.resolve("final"), s.steps() - 1, false);
            }
            db.finishRun(runId, Status.FINISHED, null);
            return new Outcome(runId, before, tally.latest, (System.nanoTime() - start) / 1e9, weightsMb, stateMb,
                    peakRssMb(), tally.tokensPerSecond(), tally.optimiseSeconds / s.steps(), outDir);
        } catch (RuntimeException e) {
            db.finishRun(runId, Status.FAILED, e.getMessage() + (Files.exists(checkpoint) ? " (last good checkpoint: "
                    + checkpoint + ")" : ""));
            throw e;
        }
    }

    private static RlhfEvaluation evaluate(CausalLM policy, CausalLM reference, RewardModel reward, Inputs in,
                                           List<Task> eval, Options o, PpoSettings s) {
        return RlhfEvaluation.run(policy, reference, reward, in.codec(), eval, o.evalTemperature(), s.seed() + 17,
                s.maxNewTokens(), 128);
    }

    /**
     * Adapters in PEFT layout (or the full model) and the value function into {@code dir}, atomically; with
     * {@code resumable} (the checkpoint) also the optimizer state and the step. {@code final/} is left with what
     * PEFT (or transformers) loads plus the value model, as PEFT users expect of an adapter folder.
     */
    private static void save(CausalLM policy, ValueFunction critic, PpoTrainer trainer, Tuning tuning, Inputs in,
                             Path dir, int step, boolean resumable) {
        try {
            Path tmp = Files.createTempDirectory(dir.getParent() == null ? Path.of(".") : createParent(dir),
                    ".checkpoint");
            if (tuning.isLora()) {
                PeftAdapters.export(policy, tmp, in.policyDir().toString());
            } else {
                HfCheckpoint.save(policy, tmp);
            }
            critic.saveInto(tmp);
            if (resumable) {
                trainer.saveState(tmp);
                Files.writeString(tmp.resolve("step.txt"), Integer.toString(step));
            }
            if (Files.exists(dir)) {
                dev.heterolora.trainer.OutputDirectory.deleteTree(dir);
            }
            Files.move(tmp, dir);
        } catch (IOException e) {
            throw new HeteroloraException("cannot write checkpoint " + dir + ": " + e.getMessage());
        }
    }

    private static Path createParent(Path dir) throws IOException {
        return Files.createDirectories(dir.getParent());
    }

    private static long bytes(List<Parameter> ps) {
        return ps.stream().mapToLong(p -> p.getArray().size() * p.getArray().getDataType().getNumOfBytes()).sum();
    }

    /** Peak resident memory of this process (Linux), in MiB; NaN elsewhere. */
    public static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
