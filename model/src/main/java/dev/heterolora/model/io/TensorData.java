package dev.heterolora.model.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to be written to a safetensors file: element type, shape and its raw little-endian bytes.
 *
 * <p>It exists so the writer can take tensors of any dtype without knowing where they came from. The canonical
 * constructor keeps a read-only view of the buffer's remaining bytes rather than a copy (checkpoints can be
 * large), so the caller must not change those bytes afterwards; the factories build fresh buffers.
 */
public record TensorData(SafeTensorDType dtype, long[] shape, ByteBuffer data) {

    public TensorData {
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long needed = Math.multiplyExact(SafeTensorFile.elementCount(shape), (long) dtype.byteSize());
        if (data.remaining() != needed) {
            throw new IllegalArgumentException("tensor data has " + data.remaining() + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + needed);
        }
        data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An F32 tensor holding {@code values} in row-major order. */
    public static TensorData ofFloats(long[] shape, float[] values) {
        ByteBuffer bytes = allocate(values.length, SafeTensorDType.F32);
        bytes.asFloatBuffer().put(values);
        return new TensorData(SafeTensorDType.F32, shape, bytes);
    }

    /**
     * A floating-point tensor of {@code dtype} (F32, F16 or BF16) holding {@code values} rounded to nearest-even,
     * as PyTorch's {@code .to(dtype)} rounds them.
     */
    public static TensorData ofFloats(long[] shape, float[] values, SafeTensorDType dtype) {
        return switch (dtype) {
            case F32 -> ofFloats(shape, values);
            case F16 -> {
                ByteBuffer bytes = allocate(values.length, dtype);
                for (float v : values) {
                    bytes.putShort(Float.floatToFloat16(v));
                }
                yield new TensorData(dtype, shape, bytes.flip());
            }
            case BF16 -> {
                ByteBuffer bytes = allocate(values.length, dtype);
                for (float v : values) {
                    bytes.putShort(toBfloat16(v));
                }
                yield new TensorData(dtype, shape, bytes.flip());
            }
            default -> throw new IllegalArgumentException("not a floating-point dtype for weights: " + dtype);
        };
    }

    private static short toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** An I32 tensor holding {@code values} in row-major order. */
    public static TensorData ofInts(long[] shape, int[] values) {
        ByteBuffer bytes = allocate(values.length, SafeTensorDType.I32);
        bytes.asIntBuffer().put(values);
        return new TensorData(SafeTensorDType.I32, shape, bytes);
    }

    /** An I64 tensor holding {@code values} in row-major order. */
    public static TensorData ofLongs(long[] shape, long[] values) {
        ByteBuffer bytes = allocate(values.length, SafeTensorDType.I64);
        bytes.asLongBuffer().put(values);
        return new TensorData(SafeTensorDType.I64, shape, bytes);
    }

    private static ByteBuffer allocate(int count, SafeTensorDType dtype) {
        return ByteBuffer.allocate(Math.multiplyExact(count, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A fresh read-only little-endian view of the bytes, positioned at the start. */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && dtype == t.dtype && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return dtype + " " + Arrays.toString(shape) + " (" + data.remaining() + " bytes)";
    }
}
