package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched text generation with a KV cache: prompts of different lengths are left-padded, each step runs one token
 * per row, and sampling (temperature, top-k, top-p) happens on the device by inverse-CDF with one uniform number
 * per row drawn from a seeded Java stream — the same seed gives the same tokens on any device. Projection adapters
 * are merged into copies of their weights for the call ({@link CausalLM#mergeAdapters}), so decoding costs the base
 * model's ops.
 */
public final class Generator {

    /**
     * How to pick tokens. Temperature 0 means greedy; topK 0 and topP 1 disable those filters.
     *
     * @param stopToken generation of a row ends after this token (-1: never)
     */
    public record Settings(int maxNewTokens, double temperature, int topK, double topP, long seed, int stopToken) {
        public Settings {
            if (maxNewTokens < 0) {
                throw new HeteroloraException("--max-new-tokens must be >= 0, got " + maxNewTokens);
            }
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new HeteroloraException("--temperature must be a finite number >= 0, got " + temperature);
            }
            if (topK < 0) {
                throw new HeteroloraException("--top-k must be >= 0, got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new HeteroloraException("--top-p must be in (0, 1], got " + topP);
            }
        }

        /** Greedy decoding. */
        public static Settings greedy(int maxNewTokens, int stopToken) {
            return new Settings(maxNewTokens, 0, 0, 1, 0, stopToken);
        }
    }

    private Generator() {}

    /** The new tokens of each prompt (without the prompt, including the stop token when one was produced). */
    public static List<int[]> generate(CausalLM model, List<int[]> prompts, Settings settings) {
        int batch = prompts.size();
        if (batch == 0) {
            return List.of();
        }
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        if (prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new HeteroloraException("cannot generate from an empty prompt");
        }
        long[] ids = new long[batch * longest];
        long[] mask = new long[batch * longest];
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            int pad = longest - p.length;
            for (int i = 0; i < p.length; i++) {
                ids[b * longest + pad + i] = p[i];
                mask[b * longest + pad + i] = 1;
            }
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[batch];
        SplittableRandom rng = new SplittableRandom(settings.seed());
        CausalLM.Merged merged = model.mergeAdapters();
        long length = (long) longest + settings.maxNewTokens();
        try (KvCache cache = new KvCache(model.manager(), model.config().layers(), length)) {
            long[] stepIds = ids;
            long[] stepMask = mask;
            int width = longest;
            for (int step = 0; step < settings.maxNewTokens(); step++) {
                long[] next;
                try (NDManager scope = model.manager().newSubManager()) {
                    NDArray in = scope.create(stepIds, new Shape(batch, width));
                    NDArray m = scope.create(stepMask, new Shape(batch, width));
                    NDArray last = model.logits(model.hidden(in, m, cache, false).get(new NDIndex(":, -1:, :")))
                            .reshape(batch, model.config().vocabSize());
                    next = pick(last, settings, rng).toLongArray();
                }
                boolean all = true;
                for (int b = 0; b < batch; b++) {
                    if (!done[b]) {
                        out.get(b).add((int) next[b]);
                        done[b] = next[b] == settings.stopToken();
                    }
                    all &= done[b];
                }
                if (all) {
                    break;
                }
                stepIds = next;
                stepMask = new long[batch];
                Arrays.fill(stepMask, 1);
                width = 1;
            }
        } finally {
            merged.close();
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> o : out) {
            result.add(o.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }

    /** Next token per row [batch] (int64) from last-position logits [batch, vocab]. */
    static NDArray pick(NDArray logits, Settings s, SplittableRandom rng) {
        NDArray x = logits.toType(DataType.FLOAT32, false);
        if (s.temperature() == 0) {
            return x.argMax(-1).toType(DataType.INT64, false);
        }
        long batch = x.getShape().get(0);
        NDArray probs = x.div((float) s.temperature()).softmax(-1);
        NDArray order = probs.argSort(-1, false);
        NDArray sorted = probs.gather(order, -1);
        NDArray before = sorted.cumSum(-1).sub(sorted);
        NDArray keep = before.lt((float) s.topP());
        if (s.topK() > 0 && s.topK() < x.getShape().get(1)) {
            NDArray rank = x.getManager().arange(0, (int) x.getShape().get(1)).reshape(1, -1);
            keep = keep.logicalAnd(rank.lt(s.topK()));
        }
        NDArray cdf = sorted.mul(keep.toType(DataType.FLOAT32, false)).cumSum(-1);
        float[] u = new float[(int) batch];
        for (int b = 0; b < u.length; b++) {
            u[b] = (float) rng.nextDouble();
        }
        NDArray threshold = x.getManager().create(u, new Shape(batch, 1)).mul(cdf.get(new NDIndex(":, -1:")));
        NDArray index = cdf.lt(threshold).sum(new int[] {-1}, true).minimum(x.getShape().get(1) - 1)
                .toType(DataType.INT64, false);
        return order.gather(index, -1).reshape(batch).toType(DataType.INT64, false);
    }
}
