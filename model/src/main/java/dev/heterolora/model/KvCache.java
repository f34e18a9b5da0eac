package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the tokens seen so far, and their attention mask, so that incremental
 * decoding costs one token's forward per step. Arrays live in the cache's own manager; close the cache to free them.
 *
 * <p>Keys and values are written in place into buffers of a fixed capacity (the expected length, doubled when
 * outgrown) and read back as views of their filled part. Concatenating each step instead copies the whole cache
 * every token and allocates a slightly larger block every time, which PyTorch's caching allocator on a GPU keeps
 * after it is outgrown.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final long expectedLength;
    private NDArray mask;

    /** An empty cache for a model with {@code layers} layers; its arrays live under {@code parent}. */
    public KvCache(NDManager parent, int layers) {
        this(parent, layers, 0);
    }

    /** An empty cache whose buffers are sized for {@code expectedLength} tokens (prompt and new ones) at once. */
    public KvCache(NDManager parent, int layers, long expectedLength) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.expectedLength = expectedLength;
    }

    /** Number of cached positions (0 when empty). */
    public long length() {
        return mask == null ? 0 : mask.getShape().get(1);
    }

    /** The [batch, length] 0/1 mask of the cached positions, or null when empty. */
    NDArray mask() {
        return mask;
    }

    /** Appends the new tokens' mask; returns the full mask. Called once per step, before the layers append. */
    NDArray appendMask(NDArray newMask) {
        NDArray full = mask == null ? newMask : mask.concat(newMask, 1);
        full.attach(manager);
        if (mask != null && mask != full) {
            mask.close();
        }
        mask = full;
        return full;
    }

    /**
     * Writes one layer's new keys and values ([batch, kvHeads, t, headDim]) after the cached ones; returns views of
     * all of them (in the new keys' manager).
     */
    NDList append(int layer, NDArray k, NDArray v) {
        long end = length();
        long start = end - k.getShape().get(2);
        keys[layer] = fit(keys[layer], k, start, end);
        values[layer] = fit(values[layer], v, start, end);
        NDIndex slot = new NDIndex(":, :, {}:{}", start, end);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex filled = new NDIndex(":, :, :{}", end);
        return new NDList(keys[layer].get(k.getManager(), filled), values[layer].get(v.getManager(), filled));
    }

    /** {@code buffer} if it holds {@code end} positions, else a larger one holding its first {@code kept}. */
    private NDArray fit(NDArray buffer, NDArray like, long kept, long end) {
        long capacity = buffer == null ? 0 : buffer.getShape().get(2);
        if (end <= capacity) {
            return buffer;
        }
        Shape s = like.getShape();
        long grown = Math.max(end, Math.max(expectedLength, 2 * capacity));
        NDArray larger = manager.zeros(new Shape(s.get(0), s.get(1), grown, s.get(3)), like.getDataType(),
                like.getDevice());
        if (buffer != null) {
            try (NDManager scope = manager.newSubManager()) {
                larger.set(new NDIndex(":, :, :{}", kept), buffer.get(scope, new NDIndex(":, :, :{}", kept)));
            }
            buffer.close();
        }
        return larger;
    }

    @Override
    public void close() {
        manager.close();
    }
}
