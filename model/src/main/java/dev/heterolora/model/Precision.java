package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Dtype changes that keep autograd's graph, and scalars autograd may hold on to.
 *
 * <p>DJL's {@code toType} runs under {@code torch::NoGradGuard}, so a cast inside a differentiable path silently cuts
 * everything before it out of the backward pass (fp16 training then trains nothing). These helpers reach the same
 * dtypes through ops that autograd records: an fp16 array plus a one-element fp32 zero is fp32 by PyTorch's type
 * promotion, an in-place add into fp16 zeros is fp16, and log-softmax takes its output dtype as an argument (outside
 * a gradient collector the casts are plain {@code toType}s). In fp32 each of them is the identity or the op fp32
 * code ran before, so fp32 results do not change.
 */
public final class Precision {
    private Precision() {}

    /** {@code x} as fp32, differentiable (x itself when it is fp32 already). */
    public static NDArray widen(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        if (!JniUtils.isGradMode()) {
            return x.toType(DataType.FLOAT32, false);
        }
        return x.add(x.getManager().zeros(new Shape(1), DataType.FLOAT32, x.getDevice()));
    }

    /** {@code x} in {@code type}, differentiable (x itself when it has that type). */
    public static NDArray narrow(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        if (!JniUtils.isGradMode()) {
            return x.toType(type, false);
        }
        return x.getManager().zeros(x.getShape(), type, x.getDevice()).addi(x);
    }

    /**
     * A freshly created array {@code x} (not part of any graph) in {@code type}; when that takes a copy, x is closed,
     * so an fp32 staging array does not stay on the device next to its fp16 copy for as long as its manager lives.
     */
    public static NDArray castFresh(NDArray x, DataType type) {
        NDArray out = x.toType(type, false);
        if (out != x) {
            x.close();
        }
        return out;
    }

    /** log-softmax over {@code axis}, computed and returned in fp32 whatever x's dtype, differentiable. */
    public static NDArray logSoftmax(NDArray x, int axis) {
        return JniUtils.logSoftmax((PtNDArray) x, axis, DataType.FLOAT32);
    }

    /**
     * A 0-d array of {@code value} in x's manager, device and dtype, owned by PyTorch. Multiplying by a plain Java
     * number makes DJL wrap it in a temporary array over a Java direct buffer that it frees right after the op while
     * autograd keeps it for the backward pass; {@code manager.create(value)} has the same buffer, freed with its
     * array. After a GC either reads freed memory in the backward pass, so differentiable code multiplies by this.
     */
    public static NDArray scalar(NDArray x, double value) {
        return x.getManager().full(new Shape(), (float) value, x.getDataType(), x.getDevice());
    }
}
