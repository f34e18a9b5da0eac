package dev.heterolora.trainer;

import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.ModelFamily;
import dev.heterolora.model.RandomModel;

/** Very small Llama models for fast trainer tests. */
public final class TinyModels {
    private TinyModels() {}

    public static final int BOS = 1;
    public static final int EOS = 2;

    public static ModelConfig config(int vocab) {
        return new ModelConfig(ModelFamily.LLAMA, vocab, 32, 2, 2, 1, 16, 64, 64, 1e-6, 10_000, null, true, false,
                false, BOS, EOS);
    }

    public static CausalLM model(int vocab, long seed) {
        return RandomModel.create(config(vocab), ComputeSettings.cpu(), seed);
    }
}
