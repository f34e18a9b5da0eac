package dev.heterolora.model;

import dev.heterolora.core.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * Rotary position embedding tables (HF's rotate-half convention, optional Llama-3 frequency scaling).
 *
 * <p>rotate_half(x) is a fixed signed permutation, so RoPE is {@code x·cos + (x·P)·sin}: three ops for all heads.
 * The cos/sin rows of the batch's positions are gathered with an embedding lookup keyed by the position ids, so
 * the gathered rows belong to the step's manager and not to the model's. Tables grow on demand.
 */
final class RotaryTable {
    private final ModelConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final NDArray rotateHalf;
    private NDArray cos;
    private NDArray sin;
    private long length;

    RotaryTable(ModelConfig config, NDManager manager, DataType dtype) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        int hd = config.headDim();
        int half = hd / 2;
        float[] p = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            p[(j + half) * hd + j] = -1f;
            p[j * hd + j + half] = 1f;
        }
        this.rotateHalf = Precision.castFresh(manager.create(p, new Shape(hd, hd)), dtype);
        grow(Math.min(config.maxPositions(), 2048));
    }

    /** Inverse frequencies as HF computes them (float32), with Llama-3 scaling when configured. */
    static float[] inverseFrequencies(ModelConfig config) {
        int hd = config.headDim();
        float[] inv = new float[hd / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / hd));
        }
        ModelConfig.RopeScaling s = config.ropeScaling();
        if (s != null) {
            double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
            for (int i = 0; i < inv.length; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen) {
                    inv[i] = (float) (inv[i] / s.factor());
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    inv[i] = (float) ((1 - smooth) * inv[i] / s.factor() + smooth * inv[i]);
                }
            }
        }
        return inv;
    }

    private void grow(long needed) {
        long n = Math.max(needed, length * 2);
        int hd = config.headDim();
        float[] inv = inverseFrequencies(config);
        float[] c = new float[(int) n * hd];
        float[] s = new float[(int) n * hd];
        for (int pos = 0; pos < n; pos++) {
            for (int i = 0; i < inv.length; i++) {
                float angle = (float) pos * inv[i];
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[pos * hd + i] = cv;
                c[pos * hd + i + inv.length] = cv;
                s[pos * hd + i] = sv;
                s[pos * hd + i + inv.length] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = Precision.castFresh(manager.create(c, new Shape(n, hd)), dtype);
        sin = Precision.castFresh(manager.create(s, new Shape(n, hd)), dtype);
        length = n;
    }

    /** cos and sin for position ids [batch, t], shaped [batch, t, 1, headDim] to broadcast over heads. */
    NDList cosSin(NDArray positionIds, long maxPositionPlusOne) {
        if (maxPositionPlusOne > length) {
            grow(maxPositionPlusOne);
        }
        Shape ps = positionIds.getShape();
        Shape target = new Shape(ps.get(0), ps.get(1), 1, config.headDim());
        NDArray c = Embedding.embedding(positionIds, cos, SparseFormat.DENSE).singletonOrThrow().reshape(target);
        NDArray s = Embedding.embedding(positionIds, sin, SparseFormat.DENSE).singletonOrThrow().reshape(target);
        return new NDList(c, s);
    }

    /** RoPE on x [batch, t, heads, headDim]. */
    NDArray apply(NDArray x, NDArray cosRows, NDArray sinRows) {
        return x.mul(cosRows).add(x.matMul(rotateHalf).mul(sinRows));
    }
}
