package dev.heterolora.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Memory scoping on DJL. An op's output joins the manager of its first operand and is freed only when that
 * manager closes, never when it becomes unreachable: {@code big.get(idx)} inside a minibatch scope still belongs to
 * {@code big}'s scope, and so does everything computed from it. Moving the inputs (or a kept result) into the right
 * scope is how a loop keeps its peak at one step's activations.
 */
public final class Scopes {
    private Scopes() {}

    /** Moves {@code x} to {@code scope} (freed with it) and returns it. */
    public static NDArray moveTo(NDArray x, NDManager scope) {
        x.attach(scope);
        return x;
    }
}
