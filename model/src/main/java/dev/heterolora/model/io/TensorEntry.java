package dev.heterolora.model.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as declared in a safetensors header: name, element type, shape and its byte span.
 *
 * <p>It exists so callers can inspect shapes and types (e.g. to check a checkpoint against a model config)
 * without reading any tensor data. {@code begin} and {@code end} are relative to the start of the data section.
 * The shape array is copied on the way in and out, and equality compares its contents, so this is a plain value.
 */
public record TensorEntry(String name, SafeTensorDType dtype, long[] shape, long begin, long end) {

    public TensorEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("bad byte span " + begin + ".." + end);
        }
    }

    /** A copy of the shape; an empty array is a scalar. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements, the product of the shape (1 for a scalar). */
    public long elementCount() {
        return SafeTensorFile.elementCount(shape);
    }

    /** Length of the tensor's byte span, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry e
                && name.equals(e.name)
                && dtype == e.dtype
                && Arrays.equals(shape, e.shape)
                && begin == e.begin
                && end == e.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " bytes " + begin + ".." + end;
    }
}
