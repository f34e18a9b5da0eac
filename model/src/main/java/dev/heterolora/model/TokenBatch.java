package dev.heterolora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Token rows of different lengths as one right-padded [batch, t] id array and its 0/1 attention mask (int64),
 * the form every forward pass takes.
 */
public record TokenBatch(NDArray ids, NDArray mask) {

    /** Right-pads {@code rows} with {@code padId} into arrays of {@code manager}. */
    public static TokenBatch rightPadded(NDManager manager, List<int[]> rows, int padId) {
        int width = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        long[] ids = new long[rows.size() * width];
        long[] mask = new long[rows.size() * width];
        for (int b = 0; b < rows.size(); b++) {
            int[] r = rows.get(b);
            for (int i = 0; i < width; i++) {
                ids[b * width + i] = i < r.length ? r[i] : padId;
                mask[b * width + i] = i < r.length ? 1 : 0;
            }
        }
        Shape shape = new Shape(rows.size(), width);
        return new TokenBatch(manager.create(ids, shape), manager.create(mask, shape));
    }
}
