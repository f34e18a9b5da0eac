package dev.heterolora.trainer;

import ai.djl.nn.Parameter;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.List;

/** What a trainer updates: the adapters of a plan (base frozen) or every base weight (full fine-tuning). */
public sealed interface Tuning {

    /**
     * Makes {@code model} ready for this kind of training and returns the parameters to optimise: LoRA puts fresh
     * adapters (B = 0, seeded A) and freezes the base; full fine-tuning unfreezes every base weight.
     */
    List<Parameter> prepare(CausalLM model, long seed);

    /**
     * LoRA (and shortcut) adapters following {@code plan}; base weights frozen.
     *
     * @param dropout must be 0: the model draws LoRA dropout masks from PyTorch's process-wide generator, which no
     *                trainer seeds (a run's randomness is its own seeded streams), so dropout would make runs
     *                irreproducible
     */
    record Lora(AdapterPlan plan, float dropout) implements Tuning {
        public Lora {
            if (plan.isEmpty()) {
                throw new HeteroloraException("the adapter plan is empty: nothing to train (use --full to train all weights)");
            }
            if (dropout != 0) {
                throw new HeteroloraException("LoRA dropout is not supported (got " + dropout + "): its masks would "
                        + "come from PyTorch's process-wide random generator, so runs would not be reproducible");
            }
        }

        @Override
        public List<Parameter> prepare(CausalLM model, long seed) {
            freezeBase(model, true);
            model.applyPlan(plan, seed, dropout);
            model.setAdaptersEnabled(true);
            return model.adapterParameters();
        }
    }

    /** All base weights trainable (no adapters); fp16 weights get fp32 master copies in {@link AdamW}. */
    record Full() implements Tuning {
        @Override
        public List<Parameter> prepare(CausalLM model, long seed) {
            if (!model.adapters().isEmpty()) {
                model.removeAdapters();
            }
            freezeBase(model, false);
            return new ArrayList<>(model.baseParameters());
        }

        /** Freezes every base weight again (after training, before the model is used for inference only). */
        public static void freeze(CausalLM model) {
            freezeBase(model, true);
        }
    }

    /** Freezes (or unfreezes) every base weight of {@code model}. */
    static void freezeBase(CausalLM model, boolean frozen) {
        for (Parameter p : model.baseParameters()) {
            p.freeze(frozen);
        }
    }

    /** Whether this is LoRA training. */
    default boolean isLora() {
        return this instanceof Lora;
    }
}
