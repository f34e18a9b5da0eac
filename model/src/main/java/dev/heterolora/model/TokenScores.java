package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Log-probabilities of given tokens, and optionally the entropy of the next-token distribution, from final hidden
 * states, without the [batch, t, vocab] fp32 log-softmax: the head and the log-softmax run on a few thousand
 * positions at a time, and only per-position results are kept.
 *
 * <p>Under a gradient collector (training adapters, or base weights below a frozen head) the result is
 * differentiable without keeping any vocabulary-sized array for the backward pass: each chunk also yields the exact
 * gradient of log p(target) with respect to its hidden state, {@code J = (onehot − softmax)·W = W[target] −
 * softmax·W} (what autograd would compute from the log-softmax it saved), and the returned log-probabilities are
 * {@code (h·J − stop(h·J)) + stop(log p)}: the value of log p, the gradient J. Autograd keeps J, [batch, t, hidden]
 * fp32, instead of the [batch, t, vocab] log-softmax — about vocab/hidden times less (40× at 32k × 768). A head that
 * trains itself (full fine-tuning, tied or untied) takes the plain path: whole logits and autograd.
 *
 * @param logProbs [batch, t] fp32, log p(target)
 * @param entropy [batch, t] fp32, or null when not asked for (never differentiable)
 */
public record TokenScores(NDArray logProbs, NDArray entropy) {
    /** Elements of one chunk's fp32 logits (64 MiB). */
    static final long CHUNK_ELEMENTS = 1L << 24;

    /**
     * Scores of {@code targets} [batch, t] (integer ids) under hidden states [batch, t, hidden] of {@code model};
     * the results belong to the hidden states' manager.
     */
    public static TokenScores of(CausalLM model, NDArray hidden, NDArray targets, boolean withEntropy) {
        return of(model, hidden, targets, withEntropy, Math.max(1, CHUNK_ELEMENTS / model.config().vocabSize()));
    }

    /** As {@link #of(CausalLM, NDArray, NDArray, boolean)}, {@code rows} positions per chunk. */
    static TokenScores of(CausalLM model, NDArray hidden, NDArray targets, boolean withEntropy, long rows) {
        NDArray w = model.headWeight();
        boolean gradients = JniUtils.isGradMode();
        NDManager home = hidden.getManager();
        long batch = hidden.getShape().get(0);
        long t = hidden.getShape().get(1);
        long width = hidden.getShape().get(2);
        try (NDManager work = home.newSubManager()) {
            hidden.tempAttach(work);
            targets.tempAttach(work);
            NDArray ids = targets.toType(DataType.INT64, false);
            if (gradients && JniUtils.requiresGrad((PtNDArray) w)) {
                NDArray all = Precision.logSoftmax(model.logits(hidden), -1);
                return keep(home, gather(all, ids), withEntropy ? entropy(all).stopGradient() : null);
            }
            // PyTorch's JNI cannot tell whether a non-leaf array requires a gradient; under a gradient collector the
            // hidden states of this model are taken to (when they do not, the extra result is merely unused)
            boolean throughHidden = gradients;
            long n = batch * t;
            NDArray flat = hidden.stopGradient().reshape(n, width);
            NDArray flatIds = ids.reshape(n);
            NDList logps = new NDList();
            NDList entropies = new NDList();
            NDList jacobians = new NDList();
            for (long start = 0; start < n; start += rows) {
                NDIndex range = new NDIndex("{}:{}", start, Math.min(n, start + rows));
                try (NDManager chunk = work.newSubManager()) {
                    NDArray lp = Precision.logSoftmax(Linear.linear(flat.get(chunk, range), w).singletonOrThrow(), -1);
                    NDArray chunkIds = flatIds.get(chunk, range);
                    logps.add(moveTo(gather(lp, chunkIds), work));
                    if (withEntropy) {
                        entropies.add(moveTo(entropy(lp), work));
                    }
                    if (throughHidden) {
                        // (onehot − softmax)·W as W's target rows − softmax·W: no vocabulary-wide one-hot
                        NDArray softW = lp.exp().toType(w.getDataType(), false).matMul(w).toType(DataType.FLOAT32,
                                false);
                        NDArray targetRows = Embedding.embedding(chunkIds, w, SparseFormat.DENSE).singletonOrThrow()
                                .toType(DataType.FLOAT32, false);
                        jacobians.add(moveTo(targetRows.sub(softW), work));
                    }
                }
            }
            NDArray logp = concat(logps).reshape(batch, t);
            NDArray entropy = withEntropy ? concat(entropies).reshape(batch, t) : null;
            if (throughHidden) {
                NDArray dot = Precision.widen(hidden).mul(concat(jacobians).reshape(batch, t, width))
                        .sum(new int[] {-1});
                logp = dot.sub(dot.stopGradient()).add(logp);
            }
            return keep(home, logp, entropy);
        }
    }

    private static NDArray gather(NDArray logSoftmax, NDArray ids) {
        return logSoftmax.gather(ids.expandDims(-1), -1).squeeze(-1);
    }

    private static NDArray entropy(NDArray logSoftmax) {
        return logSoftmax.exp().mul(logSoftmax).sum(new int[] {-1}).neg();
    }

    private static NDArray concat(NDList parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    private static NDArray moveTo(NDArray x, NDManager scope) {
        x.attach(scope);
        return x;
    }

    private static TokenScores keep(NDManager home, NDArray logp, NDArray entropy) {
        logp.attach(home);
        if (entropy != null) {
            entropy.attach(home);
        }
        return new TokenScores(logp, entropy);
    }
}
