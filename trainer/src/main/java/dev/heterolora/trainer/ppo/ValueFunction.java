package dev.heterolora.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.List;

/**
 * PPO's critic: a value estimate for every position that predicts a response token. It is an interface because
 * the paper's critic (a value model grown from the reward model) and the cheap one (a head on the policy) train
 * and save differently but PPO uses them the same way; {@link ValueFunctions} builds either.
 */
public interface ValueFunction extends AutoCloseable {

    /** What the optimiser updates (the head, plus the value model's adapters or weights). */
    List<Parameter> parameters();

    /**
     * The weights this value function holds beyond the reward model's (the head; its adapters; or a whole copy of
     * the reward model when it trains every weight): what it adds to PPO's memory.
     */
    List<Parameter> heldParameters();

    /**
     * Values [batch, t-1] (fp32) for the rollout ids/attention [batch, t]; {@code policyHidden} [batch, t, hidden]
     * are the policy's hidden states of the same batch (used by the shared head, ignored by a separate model).
     */
    NDArray values(NDArray ids, NDArray attention, NDArray policyHidden, boolean training);

    /** Writes the trained state (head, and adapters or weights) into the existing directory {@code dir}. */
    void saveInto(Path dir);

    @Override
    void close();
}
