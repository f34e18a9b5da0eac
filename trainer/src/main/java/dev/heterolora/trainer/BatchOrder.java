package dev.heterolora.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Seeded minibatch order, endless: each pass over the data is a Fisher–Yates shuffle of the example indices cut
 * into batches of {@code batchSize} (the last batch of a pass may be smaller). The generator belongs to this order
 * alone, so two trainers never share a random stream.
 *
 * <p>Two kinds of pass: the supervised trainers shuffle {@code 0 … size−1} afresh each pass; PPO's epochs over one
 * rollout batch shuffle the previous epoch's order again, as {@code Collections.shuffle} on one list does (same
 * swaps, so the orders are those of the {@code java.util.Random} the caller gives).
 *
 * <p>Batches are deliberately not grouped by length: on the embedded world, length-sorted batches are nearly
 * single-task and trained several times worse per step than mixed ones, which outweighed the saved padding.
 */
public final class BatchOrder {
    private final int size;
    private final int batchSize;
    private final RandomGenerator rng;
    private final boolean fresh;
    private final int[] permutation;
    private int at;

    /** Passes that each shuffle {@code 0 … size−1} afresh, from a generator seeded with {@code seed}. */
    public BatchOrder(int size, int batchSize, long seed) {
        this(size, batchSize, new SplittableRandom(seed ^ 0x5DEECE66DL), true);
    }

    private BatchOrder(int size, int batchSize, RandomGenerator rng, boolean fresh) {
        if (size <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("size and batch size must be positive");
        }
        this.size = size;
        this.batchSize = batchSize;
        this.rng = rng;
        this.fresh = fresh;
        this.permutation = new int[size];
        Arrays.setAll(permutation, i -> i);
        this.at = size;
    }

    /** Passes that each shuffle the previous pass's order again (the first shuffles {@code 0 … size−1}). */
    public static BatchOrder reshuffling(int size, int batchSize, RandomGenerator rng) {
        return new BatchOrder(size, batchSize, rng, false);
    }

    /** Number of batches in one pass. */
    public int batchesPerPass() {
        return (size + batchSize - 1) / batchSize;
    }

    /** The indices of the next batch. */
    public List<Integer> next() {
        if (at >= size) {
            if (fresh) {
                Arrays.setAll(permutation, i -> i);
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
