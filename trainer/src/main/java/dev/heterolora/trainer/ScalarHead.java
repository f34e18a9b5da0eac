package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.Precision;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.TensorData;
import dev.heterolora.model.io.TensorEntry;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A linear map from hidden states to one number per position ({@code score.weight}, [1, hidden], no bias — as
 * transformers' {@code *ForSequenceClassification} with one label). The reward model reads it at the last real
 * token; a PPO value head reads it at every position. Always fp32.
 */
public final class ScalarHead implements AutoCloseable {
    /** Tensor name in {@code reward_head.safetensors}. */
    public static final String TENSOR = "score.weight";

    private final Parameter weight;

    private ScalarHead(Parameter weight) {
        this.weight = weight;
    }

    /** A head with weights N(0, std²) from a seeded Java stream (std 0 gives a zero head). */
    public static ScalarHead create(NDManager manager, int hidden, double std, long seed) {
        float[] w = new float[hidden];
        if (std > 0) {
            SplittableRandom rng = new SplittableRandom(seed);
            for (int i = 0; i < hidden; i++) {
                w[i] = (float) (rng.nextGaussian() * std);
            }
        }
        return of(manager.create(w, new Shape(1, hidden)));
    }

    private static ScalarHead of(NDArray array) {
        Parameter p = Parameter.builder().setName(TENSOR).setType(Parameter.Type.WEIGHT).build();
        p.setArray(array);
        p.freeze(false);
        return new ScalarHead(p);
    }

    public Parameter weight() {
        return weight;
    }

    public int hiddenSize() {
        return (int) weight.getArray().getShape().get(1);
    }

    /** Scores [batch, t] (fp32) of hidden states [batch, t, hidden] (fp16 ones widened inside the graph). */
    public NDArray apply(NDArray hidden) {
        return Linear.linear(Precision.widen(hidden), weight.getArray()).singletonOrThrow().squeeze(-1);
    }

    /**
     * The entries of {@code perToken} [batch, t] at each row's last real token, where {@code mask} [batch, t] is 1
     * (padding may be on either side).
     */
    public static NDArray atLastToken(NDArray perToken, NDArray mask) {
        long t = mask.getShape().get(1);
        NDArray positions = mask.getManager().arange(0L, t, 1L, DataType.INT64).reshape(1, t);
        NDArray last = mask.toType(DataType.INT64, false).mul(positions).argMax(1).toType(DataType.INT64, false);
        return perToken.gather(last.reshape(-1, 1), 1).squeeze(1);
    }

    /** Writes the head to {@code file} (safetensors, fp32). */
    public void save(Path file) {
        NDArray w = weight.getArray();
        TreeMap<String, TensorData> t = new TreeMap<>();
        t.put(TENSOR, TensorData.ofFloats(w.getShape().getShape(), w.toType(DataType.FLOAT32, false).toFloatArray()));
        SafeTensorFile.write(file, t, Map.of("format", "pt", "heterolora", "scalar-head"));
    }

    /** Reads a head written by {@link #save}; its width must be {@code hidden}. */
    public static ScalarHead load(Path file, NDManager manager, int hidden) {
        try (SafeTensorFile f = SafeTensorFile.open(file)) {
            if (!f.has(TENSOR)) {
                throw new HeteroloraException(file + " has no tensor '" + TENSOR + "'");
            }
            TensorEntry e = f.entry(TENSOR);
            long[] s = e.shape();
            if (s.length != 2 || s[0] != 1 || s[1] != hidden) {
                throw new HeteroloraException(file + ": '" + TENSOR + "' has shape " + java.util.Arrays.toString(s)
                        + " but the model's hidden size is " + hidden + " (expected [1, " + hidden + "])");
            }
            return of(manager.create(f.readFloats(TENSOR), new Shape(1, hidden)));
        }
    }

    @Override
    public void close() {
        weight.close();
    }
}
