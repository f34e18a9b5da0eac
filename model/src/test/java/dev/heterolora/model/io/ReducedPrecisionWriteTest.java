package dev.heterolora.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Floats written as F16 and BF16 (a merged model keeps its base's dtype) read back rounded to nearest-even. */
class ReducedPrecisionWriteTest {

    @Test
    void f16AndBf16RoundToNearestEven(@TempDir Path tmp) {
        // 1 + 2^-8 lies half-way between two BF16 values (ties to even: 1.0); 1 + 3·2^-9 rounds up to 1 + 2^-7
        float[] values = {0f, -2.5f, 1f + 0x1p-8f, 1f + 3 * 0x1p-9f, 65504f, 1e-3f, Float.NaN};
        Path file = tmp.resolve("t.safetensors");
        SafeTensorFile.write(file, new TreeMap<>(Map.of(
                "bf16", TensorData.ofFloats(new long[] {values.length}, values, SafeTensorDType.BF16),
                "f16", TensorData.ofFloats(new long[] {values.length}, values, SafeTensorDType.F16))), Map.of());
        try (SafeTensorFile f = SafeTensorFile.open(file)) {
            assertThat(f.entry("bf16").dtype()).isEqualTo(SafeTensorDType.BF16);
            float[] bf16 = f.readFloats("bf16");
            assertThat(bf16[0]).isZero();
            assertThat(bf16[1]).isEqualTo(-2.5f);
            assertThat(bf16[2]).isEqualTo(1f);
            assertThat(bf16[3]).isEqualTo(1f + 0x1p-7f);
            assertThat(bf16[4]).isEqualTo(65536f);
            assertThat(bf16[6]).isNaN();
            float[] f16 = f.readFloats("f16");
            assertThat(f16[1]).isEqualTo(-2.5f);
            assertThat(f16[4]).isEqualTo(65504f);
            assertThat(f16[5]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(1e-3f)));
            assertThat(f16[6]).isNaN();
        }
    }
}
