package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Clearing a parameter's accumulated gradient with one engine call. DJL has no API for it short of an indexed
 * assignment ({@code grad.set(new NDIndex("..."), 0)}), which goes through DJL's index machinery and costs several
 * native calls per parameter; a pass over a hundred adapters per minibatch pays that a hundred times. PyTorch's
 * {@code grad.zero_()} is a fill, so a NaN does not survive it (as it would {@code grad * 0}). Also the no-grad
 * scope optimizer updates need.
 */
public final class Gradients {
    private Gradients() {}

    /** Sets the gradient accumulated on {@code parameter} to zero in place (nothing when it has none yet). */
    public static void zero(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }

    /**
     * Runs {@code update} with autograd off on the calling thread, as PyTorch's optimizers run under
     * {@code torch.no_grad()}, and restores the mode after. libtorch's grad mode is per thread and DJL turns it off
     * only on the thread that started the engine: on any other thread an in-place update of a parameter that
     * requires gradients fails ("a leaf Variable that requires grad is being used in an in-place operation").
     */
    public static void withoutAutograd(Runnable update) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            update.run();
        } finally {
            JniUtils.setGradMode(was);
        }
    }
}
