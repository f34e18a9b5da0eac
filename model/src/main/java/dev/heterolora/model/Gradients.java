package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Clearing a parameter's accumulated gradient with one engine call. DJL has no API for it short of an indexed
 * assignment ({@code grad.set(new NDIndex("..."), 0)}), which goes through DJL's index machinery and costs several
 * native calls per parameter; a pass over a hundred adapters per minibatch pays that a hundred times. PyTorch's
 * {@code grad.zero_()} is a fill, so a NaN does not survive it (as it would {@code grad * 0}).
 */
public final class Gradients {
    private Gradients() {}

    /** Sets the gradient accumulated on {@code parameter} to zero in place (nothing when it has none yet). */
    public static void zero(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }
}
