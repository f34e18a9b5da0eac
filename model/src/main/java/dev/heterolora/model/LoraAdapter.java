package dev.heterolora.model;

import dev.heterolora.core.SiteAdapter;

import dev.heterolora.core.AdapterSite;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;

/**
 * One low-rank adapter: {@code delta(x) = (alpha/r) · B · A · dropout(x)} with A r×in and B out×r, held and
 * computed in the model's activation dtype, so that no cast cuts the adapter out of autograd's graph (under fp16 the
 * optimizer keeps fp32 master copies). The same type serves LoRA on a projection and LoRA-adapted shortcuts.
 */
public final class LoraAdapter {
    private final AdapterSite site;
    private final SiteAdapter shape;
    private final Parameter a;
    private final Parameter b;
    private final float dropout;

    LoraAdapter(AdapterSite site, SiteAdapter shape, Parameter a, Parameter b, float dropout) {
        this.site = site;
        this.shape = shape;
        this.a = a;
        this.b = b;
        this.dropout = dropout;
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

    /** The adapter as one out×in matrix, {@code s·B·A} (in the model's manager: the caller moves it to its scope). */
    NDArray product() {
        return b.getArray().matMul(a.getArray()).muli((float) shape.scale());
    }

    /** The adapter's contribution for input {@code x} (…×in, the adapter's dtype). */
    NDArray delta(NDArray x, boolean training) {
        NDArray in = training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray low = Linear.linear(in, a.getArray()).singletonOrThrow();
        NDArray up = Linear.linear(low, b.getArray()).singletonOrThrow();
        return up.mul(Precision.scalar(up, shape.scale()));
    }
}
