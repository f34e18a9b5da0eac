package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;

/**
 * Scalars for differentiable code on DJL's PyTorch engine.
 *
 * <p>On the CPU, {@code x.mul(2f)} (likewise {@code div}, {@code maximum}, {@code minimum}, {@code pow} with a
 * {@code Number}) wraps the number in a temporary array whose memory is a Java direct buffer, closes it right
 * after the op, and lets the garbage collector free that memory — while autograd still holds the scalar for the
 * backward pass. A GC between forward and backward then yields garbage gradients (often NaN or inf, or silently
 * wrong). Use an array that lives until the step's scope closes instead: {@code x.mul(Scalars.of(x, 2))}.
 * ({@code add}/{@code sub} with a number and {@code clip(min, max)} are safe: their backward needs no operand.)
 */
public final class Scalars {
    private Scalars() {}

    /** A 0-d array of {@code value} in {@code like}'s manager, device and dtype (freed with its scope). */
    public static NDArray of(NDArray like, double value) {
        return like.getManager().create((float) value).toType(like.getDataType(), false);
    }
}
