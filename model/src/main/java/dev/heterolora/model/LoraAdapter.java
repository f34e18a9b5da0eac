package dev.heterolora.model;

import dev.heterolora.core.SiteAdapter;

import dev.heterolora.core.AdapterSite;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.Arrays;

/**
 * One low-rank adapter: {@code delta(x) = (alpha/r) · B · A · dropout(x)} with A r×in and B out×r, held and
 * computed in the model's activation dtype, so that no cast cuts the adapter out of autograd's graph (under fp16 the
 * optimizer keeps fp32 master copies). The same type serves LoRA on a projection and LoRA-adapted shortcuts.
 *
 * <p>The delta is added to the output it adapts in the same matrix multiply that applies B ({@code addmm}: one
 * kernel reads y and writes y + low·Bᵀ, with no out-wide temporary), and the scale multiplies the r-wide low-rank
 * activations, not the out-wide delta. Adapters that read the same input (q, k, v; gate, up) can share one matmul
 * for all their A's ({@link #addStacked}).
 */
public final class LoraAdapter {
    private final AdapterSite site;
    private final SiteAdapter shape;
    private final Parameter a;
    private final Parameter b;
    private final float dropout;
    private final NDArray scale;

    /** {@code scale}: a [rank] vector of alpha/r in the adapter's dtype and device, owned by the adapter. */
    LoraAdapter(AdapterSite site, SiteAdapter shape, Parameter a, Parameter b, float dropout, NDArray scale) {
        this.site = site;
        this.shape = shape;
        this.a = a;
        this.b = b;
        this.dropout = dropout;
        this.scale = scale;
    }

    public AdapterSite site() {
        return site;
    }

    public SiteAdapter shape() {
        return shape;
    }

    /** The r×in down-projection A. */
    public Parameter a() {
        return a;
    }

    /** The out×r up-projection B (zero at init). */
    public Parameter b() {
        return b;
    }

    /** Whether a training pass drops out this adapter's input (then it cannot share a matmul with others). */
    boolean dropsOut(boolean training) {
        return training && dropout > 0;
    }

    /** The adapter as one out×in matrix, {@code s·B·A} (in the model's manager: the caller moves it to its scope). */
    NDArray product() {
        return b.getArray().matMul(a.getArray()).muli((float) shape.scale());
    }

    /** {@code y + delta(x)} for input {@code x} (…×in) and output {@code y} (…×out), in the adapter's dtype. */
    NDArray addTo(NDArray y, NDArray x, boolean training) {
        NDArray in = dropsOut(training) ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray low = Linear.linear(rows(in), a.getArray()).singletonOrThrow().mul(scale);
        return addLow(y, low);
    }

    /**
     * The scales of a group's adapters side by side ([Σr], null entries skipped): what {@link #addStacked} takes,
     * made once per group by the model (in the adapters' manager).
     */
    static NDArray stackedScale(LoraAdapter[] group) {
        NDList scales = new NDList();
        for (LoraAdapter g : group) {
            if (g != null) {
                scales.add(g.scale);
            }
        }
        return NDArrays.concat(scales, 0);
    }

    /**
     * {@code ys[i] + delta_i(x)} for adapters that read the same input {@code x} and do not drop it out: one matmul
     * with the A's stacked ([Σr, in]) gives every adapter's low-rank activations, then each adds its own B in one
     * addmm. Ranks may differ; a null adapter leaves its output as it is. Mathematically the per-site result.
     * {@code scale} is {@link #stackedScale} of the group.
     */
    static NDList addStacked(LoraAdapter[] group, NDArray scale, NDArray x, NDList ys) {
        NDList as = new NDList();
        long[] cuts = new long[0];
        long at = 0;
        for (LoraAdapter g : group) {
            if (g != null) {
                if (!as.isEmpty()) {
                    cuts = Arrays.copyOf(cuts, cuts.length + 1);
                    cuts[cuts.length - 1] = at;
                }
                as.add(g.a.getArray());
                at += g.shape.rank();
            }
        }
        // a concatenation of parameters would belong to the model's manager: the step's scope takes it
        NDArray stackedA = NDArrays.concat(as, 0);
        stackedA.attach(x.getManager());
        NDArray low = Linear.linear(rows(x), stackedA).singletonOrThrow().mul(scale);
        NDList lows = low.split(cuts, 1);
        NDList out = new NDList(ys.size());
        int next = 0;
        for (int i = 0; i < group.length; i++) {
            out.add(group[i] == null ? ys.get(i) : group[i].addLow(ys.get(i), lows.get(next++)));
        }
        return out;
    }

    /** y + low·Bᵀ as one addmm (a 2-D input with a bias is how torch's linear reaches it). */
    private NDArray addLow(NDArray y, NDArray low) {
        return Linear.linear(low, b.getArray(), rows(y)).singletonOrThrow().reshape(y.getShape());
    }

    /** x as a matrix of rows (a view for the contiguous and column-sliced arrays the model passes). */
    private static NDArray rows(NDArray x) {
        return x.getShape().dimension() == 2 ? x : x.reshape(-1, x.getShape().getLastDimension());
    }

    /** Frees the adapter's arrays. */
    void close() {
        a.close();
        b.close();
        scale.close();
    }
}
