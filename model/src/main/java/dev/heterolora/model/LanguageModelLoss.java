package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Causal-LM cross-entropy as transformers computes it: position t predicts token t+1, padded targets are ignored,
 * and the mean is over all counted tokens of the batch (token-weighted).
 */
public final class LanguageModelLoss {
    private LanguageModelLoss() {}

    /**
     * Per-token negative log-likelihoods and which of them count.
     *
     * @param nll [batch, t-1] fp32, −log p(token t+1 | ≤ t)
     * @param mask [batch, t-1] fp32, 1 where the target token is real
     */
    public record TokenLosses(NDArray nll, NDArray mask) {
        /** Mean over all counted tokens (a scalar). */
        public NDArray mean() {
            return nll.mul(mask).sum().div(mask.sum());
        }

        /** Each row's mean over its counted tokens [batch]. */
        public NDArray perRowMean() {
            return nll.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(1f));
        }

        /** Number of counted tokens per row [batch]. */
        public NDArray perRowCount() {
            return mask.sum(new int[] {1});
        }
    }

    /** Token losses of {@code logits} [batch, t, vocab] against {@code inputIds} with {@code attentionMask}. */
    public static TokenLosses of(NDArray logits, NDArray inputIds, NDArray attentionMask) {
        NDArray shifted = Precision.logSoftmax(logits.get(new NDIndex(":, :-1, :")), -1);
        NDArray nll = shifted.gather(targets(inputIds).expandDims(-1), -1).squeeze(-1).neg();
        return new TokenLosses(nll, targetMask(attentionMask));
    }

    /**
     * Token losses of {@code model}'s final hidden states [batch, t, hidden] against {@code inputIds}, by
     * {@link TokenScores}: never the whole [batch, t, vocab] log-softmax, differentiable when the hidden states are.
     */
    public static TokenLosses of(CausalLM model, NDArray hidden, NDArray inputIds, NDArray attentionMask) {
        NDArray logp = TokenScores.of(model, hidden.get(new NDIndex(":, :-1, :")), targets(inputIds), false)
                .logProbs();
        return new TokenLosses(logp.neg(), targetMask(attentionMask));
    }

    private static NDArray targets(NDArray inputIds) {
        return inputIds.get(new NDIndex(":, 1:")).toType(DataType.INT64, false);
    }

    private static NDArray targetMask(NDArray attentionMask) {
        return attentionMask.get(new NDIndex(":, 1:")).toType(DataType.FLOAT32, false);
    }
}
