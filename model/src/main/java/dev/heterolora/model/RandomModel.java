package dev.heterolora.model;

import dev.heterolora.core.ModelFamily;

import dev.heterolora.core.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A freshly initialised model of a given architecture (matrices N(0, 0.02²) as HF initialises them, norm gains 1,
 * biases 0), drawn from a seeded Java stream so the same seed gives the same weights on every device. The embedded
 * world starts from it, and benchmarks use it for sizes no fixture has.
 */
public final class RandomModel {
    private RandomModel() {}

    /** A new model with seeded random weights. */
    public static CausalLM create(ModelConfig config, ComputeSettings compute, long seed) {
        NDManager manager = NDManager.newBaseManager(compute.device());
        try {
            SplittableRandom rng = new SplittableRandom(seed);
            Map<String, NDArray> weights = new HashMap<>();
            for (HfCheckpoint.WeightMapping m : HfCheckpoint.mappings(config)) {
                int n = (int) (m.vector() ? m.rows() : m.rows() * m.cols());
                float[] v = new float[n];
                if (m.vector()) {
                    if (m.ours().contains("norm") && m.ours().endsWith("weight")) {
                        Arrays.fill(v, 1f);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) (rng.nextGaussian() * 0.02);
                    }
                }
                Shape shape = m.vector() ? new Shape(m.rows()) : new Shape(m.rows(), m.cols());
                weights.put(m.ours(), Precision.castFresh(manager.create(v, shape), compute.dtype()));
            }
            return new CausalLM(config, compute, manager, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A Llama-family architecture of roughly {@code 1M} parameters for a character vocabulary: 4 layers, hidden
     * 128, 4 heads (2 KV heads), SwiGLU 512, tied embeddings — the size of the embedded world's policy.
     */
    public static ModelConfig smallLlama(int vocabSize, int maxPositions) {
        return new ModelConfig(ModelFamily.LLAMA, vocabSize, 128, 4, 4, 2, 32, 512, maxPositions, 1e-6, 10_000, null,
                true, false, false, 1, 2);
    }
}
