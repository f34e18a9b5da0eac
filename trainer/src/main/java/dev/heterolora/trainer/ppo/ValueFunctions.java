package dev.heterolora.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeftAdapters;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.ScalarHead;
import dev.heterolora.trainer.Tuning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds PPO's {@link ValueFunction}s and restores them from a checkpoint. Layout inside a checkpoint folder:
 * {@value #HEAD_FILE} (the scalar head, both kinds) and, for a separate value model, {@value #VALUE_DIR}/ holding
 * its adapters in PEFT layout (LoRA) or its weights in HF layout (full fine-tuning).
 */
public final class ValueFunctions {
    /** The value head's file in a checkpoint. */
    public static final String HEAD_FILE = "value_head.safetensors";
    /** The separate value model's adapters or weights in a checkpoint. */
    public static final String VALUE_DIR = "value";

    private ValueFunctions() {}

    /**
     * The value function {@code setup} asks for, fresh or restored from the checkpoint folder {@code resumeFrom}
     * (null = fresh). With {@code --value separate} a LoRA policy gets a value model that shares the reward
     * model's weights (its own rank-{@code setup.rank()} adapters on the reward backbone, rewards computed with them
     * switched off: no copy), while a fully fine-tuned policy gets a fully trained copy of the reward model, as in
     * AlpacaFarm. The head starts at zero either way.
     */
    public static ValueFunction create(ValueSetup setup, Tuning policyTuning, CausalLM policy, RewardModel reward,
                                       Path rewardDir, ComputeSettings compute, long seed, Path resumeFrom) {
        if (setup.kind() == ValueSetup.Kind.SHARED) {
            ScalarHead head = head(policy, seed, resumeFrom);
            return new Shared(head);
        }
        if (policyTuning.isLora()) {
            CausalLM backbone = reward.lendBackbone();
            AdapterPlan plan = AdapterPlan.uniform(backbone.config().sites(false), setup.rank(), 2.0 * setup.rank());
            List<Parameter> trainable = new Tuning.Lora(plan, 0f).prepare(backbone, seed ^ 0x5EED_7A1EL);
            if (resumeFrom != null) {
                PeftAdapters.importInto(backbone, checkpointDir(resumeFrom));
                trainable = backbone.adapterParameters();
            }
            return new Separate(backbone, head(backbone, seed, resumeFrom), trainable, false, rewardDir);
        }
        Path source = resumeFrom != null ? checkpointDir(resumeFrom) : rewardDir;
        CausalLM copy = HfCheckpoint.load(source, compute);
        try {
            if (!copy.adapters().isEmpty() || Files.isDirectory(source.resolve(RewardModel.ADAPTER_DIR))) {
                throw new HeteroloraException("the reward model in " + rewardDir + " has LoRA adapters; a fully "
                        + "fine-tuned value model needs plain weights (use --value shared)");
            }
            List<Parameter> trainable = new Tuning.Full().prepare(copy, seed);
            return new Separate(copy, head(copy, seed, resumeFrom), trainable, true, rewardDir);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    private static Path checkpointDir(Path resumeFrom) {
        Path dir = resumeFrom.resolve(VALUE_DIR);
        if (!Files.isDirectory(dir)) {
            throw new HeteroloraException("checkpoint " + resumeFrom + " has no value model (" + VALUE_DIR + "/); "
                    + "it was written with another --value setting");
        }
        return dir;
    }

    private static ScalarHead head(CausalLM on, long seed, Path resumeFrom) {
        int d = on.config().hiddenSize();
        ScalarHead head = resumeFrom == null ? ScalarHead.create(on.manager(), d, 0.0, seed)
                : ScalarHead.load(resumeFrom.resolve(HEAD_FILE), on.manager(), d);
        head.weight().freeze(false);
        return head;
    }

    /** Values [batch, t-1] of hidden states [batch, t, hidden]: the positions that predict each next token. */
    private static NDArray shiftedValues(ScalarHead head, NDArray hidden) {
        return head.apply(hidden.get(new NDIndex(":, :-1, :")));
    }

    /** A head on the policy's hidden states. */
    private record Shared(ScalarHead head) implements ValueFunction {
        @Override
        public List<Parameter> parameters() {
            return List.of(head.weight());
        }

        @Override
        public List<Parameter> heldParameters() {
            return parameters();
        }

        @Override
        public NDArray values(NDArray ids, NDArray attention, NDArray policyHidden, boolean training) {
            return shiftedValues(head, policyHidden);
        }

        @Override
        public void saveInto(Path dir) {
            head.save(dir.resolve(HEAD_FILE));
        }

        @Override
        public void close() {
            head.close();
        }
    }

    /** A value model of its own: a backbone (borrowed from the reward model, or an owned copy) and a head. */
    private static final class Separate implements ValueFunction {
        private final CausalLM backbone;
        private final ScalarHead head;
        private final List<Parameter> parameters;
        private final boolean ownsBackbone;
        private final Path rewardDir;

        Separate(CausalLM backbone, ScalarHead head, List<Parameter> trainable, boolean ownsBackbone, Path rewardDir) {
            this.backbone = backbone;
            this.head = head;
            this.parameters = new ArrayList<>(trainable);
            this.parameters.add(head.weight());
            this.ownsBackbone = ownsBackbone;
            this.rewardDir = rewardDir;
        }

        @Override
        public List<Parameter> parameters() {
            return parameters;
        }

        @Override
        public List<Parameter> heldParameters() {
            if (!ownsBackbone) {
                return parameters;
            }
            List<Parameter> all = new ArrayList<>(backbone.baseParameters());
            all.add(head.weight());
            return all;
        }

        @Override
        public NDArray values(NDArray ids, NDArray attention, NDArray policyHidden, boolean training) {
            return shiftedValues(head, backbone.hidden(ids, attention, null, training));
        }

        @Override
        public void saveInto(Path dir) {
            Path v = dir.resolve(VALUE_DIR);
            try {
                Files.createDirectories(v);
            } catch (IOException e) {
                throw new HeteroloraException("cannot create " + v + ": " + e.getMessage());
            }
            if (ownsBackbone) {
                HfCheckpoint.save(backbone, v);
            } else {
                PeftAdapters.export(backbone, v, rewardDir.toString());
            }
            head.save(dir.resolve(HEAD_FILE));
        }

        @Override
        public void close() {
            head.close();
            if (ownsBackbone) {
                backbone.close();
            }
        }
    }
}
