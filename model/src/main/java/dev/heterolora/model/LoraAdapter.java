package dev.heterolora.model;

import dev.heterolora.core.SiteAdapter;

import dev.heterolora.core.AdapterSite;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;

/**
 * One low-rank adapter: {@code delta(x) = (alpha/r) · B · A · dropout(x)} with A r×in and B out×r, kept in fp32
 * whatever the base dtype. The same type serves LoRA on a projection and LoRA-adapted shortcuts.
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

    /** The adapter's contribution for input {@code x} (…×in), in x's dtype. */
    NDArray delta(NDArray x, boolean training) {
        NDArray in = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        if (training && dropout > 0) {
            in = Dropout.dropout(in, dropout, true).singletonOrThrow();
        }
        NDArray low = Linear.linear(in, a.getArray()).singletonOrThrow();
        NDArray up = Linear.linear(low, b.getArray()).singletonOrThrow();
        NDArray d = up.mul(CausalLM.scalar(up, shape.scale()));
        return d.getDataType() == x.getDataType() ? d : d.toType(x.getDataType(), false);
    }
}
