package dev.heterolora.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded minibatch order, endless: each pass over the data is a fresh Fisher–Yates permutation of the example
 * indices cut into batches of {@code batchSize} (the last batch of a pass may be smaller).
 *
 * <p>Batches are deliberately not grouped by length: on the embedded world, length-sorted batches are nearly
 * single-task and trained several times worse per step than mixed ones, which outweighed the saved padding.
 */
public final class BatchOrder {
    private final int size;
    private final int batchSize;
    private final SplittableRandom rng;
    private int[] permutation;
    private int at;

    public BatchOrder(int size, int batchSize, long seed) {
        if (size <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("size and batch size must be positive");
        }
        this.size = size;
        this.batchSize = batchSize;
        this.rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.at = size;
    }

    /** The indices of the next batch. */
    public List<Integer> next() {
        if (at >= size) {
            permutation = new int[size];
            for (int i = 0; i < size; i++) {
                permutation[i] = i;
            }
            for (int i = size - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
            at = 0;
        }
        int end = Math.min(size, at + batchSize);
        List<Integer> out = new ArrayList<>(end - at);
        for (int i = at; i < end; i++) {
            out.add(permutation[i]);
        }
        at = end;
        return out;
    }
}
