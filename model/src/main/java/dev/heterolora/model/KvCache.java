package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the tokens seen so far, and their attention mask, so that incremental
 * decoding costs one token's forward per step. Arrays live in the cache's own manager; close the cache to free them.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private NDArray mask;

    /** An empty cache for a model with {@code layers} layers; its arrays live under {@code parent}. */
    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of cached positions (0 when empty). */
    public long length() {
        return mask == null ? 0 : mask.getShape().get(1);
    }

    /** The [batch, length] 0/1 mask of the cached positions, or null when empty. */
    NDArray mask() {
        return mask;
    }

    /** Appends the new tokens' mask; returns the full mask. */
    NDArray appendMask(NDArray newMask) {
        NDArray full = mask == null ? newMask : mask.concat(newMask, 1);
        replace(mask, full);
        mask = full;
        return full;
    }

    /** Appends one layer's new keys and values ([batch, kvHeads, t, headDim]); returns the full ones. */
    NDList append(int layer, NDArray k, NDArray v) {
        NDArray fk = keys[layer] == null ? k : keys[layer].concat(k, 2);
        NDArray fv = values[layer] == null ? v : values[layer].concat(v, 2);
        replace(keys[layer], fk);
        replace(values[layer], fv);
        keys[layer] = fk;
        values[layer] = fv;
        return new NDList(fk, fv);
    }

    private void replace(NDArray old, NDArray next) {
        next.attach(manager);
        if (old != null && old != next) {
            old.close();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
