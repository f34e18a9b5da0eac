package dev.heterolora.trainer.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.RandomModel;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.Sampler;
import dev.heterolora.trainer.TinyModels;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.world.CharCodec;
import dev.heterolora.trainer.world.CharTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PPO on tiny random models: the reference is the policy itself, and the separate value model copies nothing. */
class PpoTrainerTest {
    private static final int VOCAB = CharTokenizer.VOCAB_SIZE;
    private static final List<String> PROMPTS = List.of("12+35=", "rev:abc=", "up:xy=", "sort:cab=", "3+4=",
            "rev:hello=", "up:q=", "sort:zyx=");

    /** The paper's constants at a tiny scale: 8 prompts per step, minibatches of 4, 6 new tokens, lr 1e-2. */
    private static PpoSettings settings(int steps, int epochs) {
        return new PpoSettings(steps, 8, 4, epochs, 1e-2, 0.02, 0, 10_000, Regulariser.KL, 1.0, 0.95, 0.2, 0.2, 0.1,
                1.0, 6, 1.0, 1.0, 0, 0);
    }

    private static Tuning.Lora lora(CausalLM m, int rank) {
        return new Tuning.Lora(AdapterPlan.uniform(m.config().sites(false), rank, 2.0 * rank), 0f);
    }

    /** Gives every LoRA B random entries, so the adapters change the function. */
    private static void perturbAdapters(CausalLM m) {
        for (Parameter p : m.adapterParameters()) {
            if (p.getName().endsWith(".lora_B")) {
                NDArray b = p.getArray();
                b.set(new NDIndex("..."), b.getManager().randomNormal(0f, 0.5f, b.getShape(), b.getDataType()));
            }
        }
    }

    private static Rollout.Arrays rollout(CausalLM m, NDManager scope) {
        List<Sampler.Sample> s = Sampler.sample(m, CharCodec.INSTANCE, PROMPTS, 6, 1.0, 11, 8);
        return Rollout.of(PROMPTS, s, CharCodec.INSTANCE).arrays(scope);
    }

    private static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void theReferenceIsThePolicysOwnWeightsWithAdaptersOff() {
        try (CausalLM policy = TinyModels.model(VOCAB, 3);
             CausalLM base = TinyModels.model(VOCAB, 3);
             NDManager scope = policy.manager().newSubManager()) {
            lora(policy, 4).prepare(policy, 5);
            perturbAdapters(policy);
            Rollout.Arrays a = rollout(policy, scope);
            NDArray ref = PpoTrainer.referenceLogProbs(policy, null, a.ids(), a.attention());
            NDArray expected = PpoTrainer.shiftedLogProbs(base, base.hidden(a.ids(), a.attention(), null, false));
            NDArray own = PpoTrainer.shiftedLogProbs(policy, policy.hidden(a.ids(), a.attention(), null, false));
            assertThat(maxAbsDiff(ref, expected)).isLessThan(1e-5f);
            assertThat(maxAbsDiff(own, expected)).as("the adapters matter").isGreaterThan(1e-2f);
            assertThat(policy.adaptersEnabled()).isTrue();

            // not a copy: changing a base weight of the policy changes the reference
            Parameter w = policy.baseParameters().get(policy.baseParameters().size() - 1);
            w.getArray().set(new NDIndex("..."), w.getArray().mul(scope.create(1.5f)));
            NDArray after = PpoTrainer.referenceLogProbs(policy, null, a.ids(), a.attention());
            assertThat(maxAbsDiff(after, ref)).isGreaterThan(1e-3f);
        }
    }

    @Test
    void aSeparateValueModelSharesTheRewardModelsWeightsAndLeavesItsScoresUnchanged(@TempDir Path tmp) {
        PpoSettings settings = settings(2, 2);
        try (CausalLM policy = TinyModels.model(VOCAB, 3);
             RewardModel reward = RewardModel.withFreshHead(TinyModels.model(VOCAB, 9), 4)) {
            List<int[]> seqs = new ArrayList<>();
            for (String p : PROMPTS) {
                seqs.add(CharCodec.INSTANCE.promptTokens(p + "1."));
            }
            float[] before = reward.score(seqs, 8);
            Set<Parameter> rewardBase = new HashSet<>(reward.backbone().baseParameters());
            Tuning.Lora tuning = lora(policy, 4);
            List<Parameter> trainable = tuning.prepare(policy, 5);
            List<Map<String, Double>> metrics = new ArrayList<>();
            try (ValueFunction value = ValueFunctions.create(new ValueSetup(ValueSetup.Kind.SEPARATE, 2), tuning,
                    policy, reward, tmp, ComputeSettings.cpu(), 0, null);
                 PpoTrainer trainer = new PpoTrainer(policy, null, reward, value, CharCodec.INSTANCE, trainable,
                         settings)) {
                assertThat(value.parameters()).noneMatch(rewardBase::contains);
                assertThat(reward.backbone().adapterParameters()).isNotEmpty()
                        .allMatch(value.parameters()::contains);
                trainer.train(PROMPTS, step -> metrics.add(step.asMap()), 0);
                assertThat(metrics).hasSize(2);
                assertThat(metrics.get(1).values()).allMatch(Double::isFinite);
                assertThat(maxB(reward.backbone())).as("the value adapters trained").isGreaterThan(0f);
                assertThat(maxB(policy)).as("the policy adapters trained").isGreaterThan(0f);
                assertThat(reward.score(seqs, 8)).containsExactly(before);

                // a checkpoint restores the same value function
                value.saveInto(tmp);
                try (RewardModel again = RewardModel.withFreshHead(TinyModels.model(VOCAB, 9), 4);
                     ValueFunction restored = ValueFunctions.create(new ValueSetup(ValueSetup.Kind.SEPARATE, 2),
                             tuning, policy, again, tmp, ComputeSettings.cpu(), 0, tmp);
                     NDManager scope = policy.manager().newSubManager()) {
                    Rollout.Arrays a = rollout(policy, scope);
                    NDArray v1 = value.values(a.ids(), a.attention(), null, false);
                    NDArray v2 = restored.values(a.ids(), a.attention(), null, false);
                    assertThat(v1.abs().max().getFloat()).isGreaterThan(0f);
                    assertThat(maxAbsDiff(v1, v2)).isLessThan(1e-6f);
                }
            }
        }
    }

    /**
     * fp16 LoRA-PPO trains (before, every cast cut the adapters out of the graph: B stayed 0 and the KL at 0): one
     * step with a separate value model on the reward backbone moves the policy's and the value model's adapters,
     * with finite figures.
     */
    @Test
    void fp16LoraPpoTrainsThePolicyAndTheValueModel(@TempDir Path tmp) {
        ComputeSettings fp16 = new ComputeSettings(Device.cpu(), DataType.FLOAT16);
        try (CausalLM policy = RandomModel.create(TinyModels.config(VOCAB), fp16, 3);
             RewardModel reward = RewardModel.withFreshHead(RandomModel.create(TinyModels.config(VOCAB), fp16, 9), 4)) {
            Tuning.Lora tuning = lora(policy, 4);
            List<Parameter> trainable = tuning.prepare(policy, 5);
            try (ValueFunction value = ValueFunctions.create(new ValueSetup(ValueSetup.Kind.SEPARATE, 2), tuning,
                    policy, reward, tmp, fp16, 0, null);
                 PpoTrainer trainer = new PpoTrainer(policy, null, reward, value, CharCodec.INSTANCE, trainable,
                         settings(1, 1))) {
                List<PpoStep> steps = new ArrayList<>();
                trainer.train(PROMPTS, steps::add, 0);
                assertThat(steps.get(0).updates().gradNorm()).isFinite();
                assertThat(steps.get(0).updates().policyLoss()).isFinite();
                assertThat(maxB(policy)).as("the policy adapters trained").isGreaterThan(0f);
                assertThat(maxB(reward.backbone())).as("the value adapters trained").isGreaterThan(0f);
            }
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunBeforeAnyWeightChanges(@TempDir Path tmp) {
        PpoSettings settings = settings(1, 1);
        try (CausalLM policy = TinyModels.model(VOCAB, 3);
             RewardModel reward = RewardModel.withFreshHead(TinyModels.model(VOCAB, 9), 4)) {
            Tuning.Lora tuning = lora(policy, 4);
            List<Parameter> trainable = tuning.prepare(policy, 5);
            try (ValueFunction value = ValueFunctions.create(new ValueSetup(ValueSetup.Kind.SHARED, 2), tuning,
                    policy, reward, tmp, ComputeSettings.cpu(), 0, null);
                 PpoTrainer trainer = new PpoTrainer(policy, null, reward, value, CharCodec.INSTANCE, trainable,
                         settings)) {
                NDArray head = value.parameters().get(0).getArray();
                head.set(new NDIndex("0, 0"), Float.NaN);
                float[] before = trainable.get(0).getArray().toFloatArray();
                assertThatThrownBy(() -> trainer.train(PROMPTS, step -> { }, 0))
                        .isInstanceOf(HeteroloraException.class)
                        .hasMessageStartingWith("non-finite loss at PPO step 0");
                assertThat(trainable.get(0).getArray().toFloatArray()).containsExactly(before);
                assertThat(maxB(policy)).isZero();
            }
        }
    }

    @Test
    void aResumedRunEndsExactlyWhereAnUninterruptedOneDoes(@TempDir Path tmp) throws IOException {
        // an adaptive β and minibatches of 3 of the 8 rows: the checkpointed β and the update order both matter
        PpoSettings s = new PpoSettings(3, 8, 3, 2, 1e-2, 0.02, 6, 10_000, Regulariser.KL, 1.0, 0.95, 0.2, 0.2, 0.1,
                1.0, 6, 1.0, 1.0, 0, 0);
        Outcome whole = run(Files.createDirectories(tmp.resolve("whole")), s, 0);
        Outcome resumed = run(Files.createDirectories(tmp.resolve("resumed")), s, 2);
        assertThat(whole.last().step()).isEqualTo(2);
        assertThat(resumed.last()).usingRecursiveComparison().ignoringFields("rolloutSeconds", "seconds")
                .isEqualTo(whole.last());
        assertThat(resumed.weights()).containsExactly(whole.weights());
    }

    /** A run's last step and its trained weights (policy adapters, then the value head). */
    private record Outcome(PpoStep last, float[] weights) {}

    /**
     * A fresh LoRA run with a shared value head; with {@code resumeAt > 0} a first trainer stops after that many
     * steps and checkpoints its state into {@code dir}, and a second one resumes from it.
     */
    private static Outcome run(Path dir, PpoSettings s, int resumeAt) {
        try (CausalLM policy = TinyModels.model(VOCAB, 3);
             RewardModel reward = RewardModel.withFreshHead(TinyModels.model(VOCAB, 9), 4)) {
            Tuning.Lora tuning = lora(policy, 4);
            List<Parameter> trainable = tuning.prepare(policy, 5);
            List<PpoStep> steps = new ArrayList<>();
            try (ValueFunction value = ValueFunctions.create(new ValueSetup(ValueSetup.Kind.SHARED, 2), tuning,
                    policy, reward, dir, ComputeSettings.cpu(), 0, null)) {
                if (resumeAt > 0) {
                    try (PpoTrainer first = new PpoTrainer(policy, null, reward, value, CharCodec.INSTANCE, trainable,
                            s.withSteps(resumeAt))) {
                        first.train(PROMPTS, step -> { }, 0);
                        first.saveState(dir);
                    }
                }
                try (PpoTrainer trainer = new PpoTrainer(policy, null, reward, value, CharCodec.INSTANCE, trainable,
                        s)) {
                    if (resumeAt > 0) {
                        trainer.loadState(dir);
                    }
                    trainer.train(PROMPTS, step -> steps.add(step), resumeAt);
                    float[] weights = new float[0];
                    for (Parameter p : trainer.trainableParameters()) {
                        float[] w = p.getArray().toFloatArray();
                        weights = Arrays.copyOf(weights, weights.length + w.length);
                        System.arraycopy(w, 0, weights, weights.length - w.length, w.length);
                    }
                    return new Outcome(steps.get(steps.size() - 1), weights);
                }
            }
        }
    }

    private static float maxB(CausalLM m) {
        float max = 0;
        for (Parameter p : m.adapterParameters()) {
            if (p.getName().endsWith(".lora_B")) {
                max = Math.max(max, p.getArray().abs().max().toType(DataType.FLOAT32, false).getFloat());
            }
        }
        return max;
    }
}
