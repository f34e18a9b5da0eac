package dev.heterolora.model.io;

import java.util.Optional;

/**
 * The element types a safetensors file can declare, with the name used in the file header and the byte size.
 *
 * <p>It exists so that header validation and byte-level conversion share one table instead of scattering
 * string comparisons and magic sizes through the reader and writer. Constant names are exactly the header
 * spellings of the {@code "dtype"} field.
 */
public enum SafeTensorDType {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    I32(4),
    I16(2),
    I8(1),
    U8(1),
    BOOL(1);

    private final int byteSize;

    SafeTensorDType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Looks up a header {@code "dtype"} value; empty for types this reader does not know (e.g. {@code F8_E4M3}). */
    public static Optional<SafeTensorDType> byFileName(String name) {
        for (SafeTensorDType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
