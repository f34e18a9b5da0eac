package dev.heterolora.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafeTensorFileTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SafeTensorDType.class)
    void everyDtypeRoundTripsBitIdentically(SafeTensorDType dtype) {
        long[] shape = {3, 5};
        byte[] bytes = new byte[15 * dtype.byteSize()];
        new Random(dtype.ordinal()).nextBytes(bytes);
        Path file = dir.resolve("t.safetensors");

        SafeTensorFile.write(file, Map.of("t", new TensorData(dtype, shape, ByteBuffer.wrap(bytes))), Map.of());

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.entry("t")).isEqualTo(new TensorEntry("t", dtype, shape, 0, bytes.length));
            ByteBuffer raw = read.raw("t");
            assertThat(raw.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            byte[] back = new byte[raw.remaining()];
            raw.get(back);
            assertThat(back).isEqualTo(bytes);
        }
    }

    @Test
    void writerLaysOutTensorsInMapOrderAndPadsHeaderToEightBytes() throws IOException {
        Map<String, TensorData> tensors = new TreeMap<>();
        tensors.put("b", TensorData.ofFloats(new long[] {2}, new float[] {1f, 2f}));
        tensors.put("a", TensorData.ofInts(new long[] {1, 3}, new int[] {7, 8, 9}));
        tensors.put("c", TensorData.ofLongs(new long[] {}, new long[] {Long.MIN_VALUE}));
        Path file = dir.resolve("m.safetensors");

        SafeTensorFile.write(file, tensors, Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"I32\",\"shape\":[1,3],"
                + "\"data_offsets\":[0,12]},\"b\":");
        assertThat(header.strip()).endsWith("}");
        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(read.entries()).extracting(TensorEntry::name).containsExactly("a", "b", "c");
            assertThat(read.readInts("a")).containsExactly(7, 8, 9);
            assertThat(read.readLongs("a")).containsExactly(7L, 8L, 9L);
            assertThat(read.readFloats("b")).containsExactly(1f, 2f);
            assertThat(read.readLongs("c")).containsExactly(Long.MIN_VALUE);
            assertThat(read.entry("c").elementCount()).isEqualTo(1);
        }
        assertThat(dir).isDirectoryContaining(p -> p.equals(file)).isDirectoryNotContaining(p -> !p.equals(file));
    }

    @Test
    void entriesComeInOffsetOrderEvenWhenTheHeaderListsThemOtherwise() throws IOException {
        String header = "{\"z\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"y\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]},"
                + "\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[1,1]}}";
        Path file = Files.write(dir.resolve("o.safetensors"),
                SafeTensorCorruptionTest.safetensors(header.getBytes(StandardCharsets.UTF_8), 5));

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.entries()).extracting(TensorEntry::name).containsExactly("z", "empty", "x", "y");
            assertThat(read.readFloats("empty")).isEmpty();
            assertThat(read.metadata()).isEmpty();
        }
    }

    @Test
    void f16ConvertsKnownValues() {
        short[] bits = {0x3C00, (short) 0xC100, 0x7BFF, 0x0001, 0x7E00, 0x7C00, (short) 0xFC00, (short) 0x8000};

        float[] values = readHalf(SafeTensorDType.F16, bits);

        assertThat(values[0]).isEqualTo(1.0f);
        assertThat(values[1]).isEqualTo(-2.5f);
        assertThat(values[2]).isEqualTo(65504f);
        assertThat(values[3]).isEqualTo(0x1p-24f);
        assertThat(values[4]).isNaN();
        assertThat(values[5]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(values[6]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(values[7])).isEqualTo(0x80000000);
    }

    @Test
    void bf16ConvertsKnownValues() {
        short[] bits = {0x3F80, (short) 0xC020, 0x477F, 0x0001, 0x7FC0, 0x7F80, (short) 0xFF80, 0x7F7F};

        float[] values = readHalf(SafeTensorDType.BF16, bits);

        assertThat(values[0]).isEqualTo(1.0f);
        assertThat(values[1]).isEqualTo(-2.5f);
        assertThat(values[2]).isEqualTo(65280f);
        assertThat(values[3]).isEqualTo(0x1p-133f);
        assertThat(values[4]).isNaN();
        assertThat(values[5]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(values[6]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(values[7]).isEqualTo(Float.intBitsToFloat(0x7F7F0000));
    }

    private float[] readHalf(SafeTensorDType dtype, short[] bits) {
        ByteBuffer bytes = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(bits);
        Path file = dir.resolve(dtype + ".safetensors");
        SafeTensorFile.write(file, Map.of("h", new TensorData(dtype, new long[] {bits.length}, bytes)), Map.of());
        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            return read.readFloats("h");
        }
    }

    @Test
    void f64IsNarrowedToFloat() {
        ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-1e300);
        Path file = dir.resolve("d.safetensors");
        SafeTensorFile.write(file, Map.of("d", new TensorData(SafeTensorDType.F64, new long[] {2}, bytes.flip())),
                Map.of());

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.readFloats("d")).containsExactly(0.1f, Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void narrowIntegersWidenWithTheRightSign() {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("u8", new TensorData(SafeTensorDType.U8, new long[] {2}, ByteBuffer.wrap(new byte[] {-1, 1})));
        tensors.put("i8", new TensorData(SafeTensorDType.I8, new long[] {2}, ByteBuffer.wrap(new byte[] {-1, 1})));
        tensors.put("i16", new TensorData(SafeTensorDType.I16, new long[] {2},
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -300).putShort((short) 300)
                        .flip()));
        Path file = dir.resolve("i.safetensors");
        SafeTensorFile.write(file, tensors, Map.of());

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.readInts("u8")).containsExactly(255, 1);
            assertThat(read.readLongs("u8")).containsExactly(255L, 1L);
            assertThat(read.readInts("i8")).containsExactly(-1, 1);
            assertThat(read.readInts("i16")).containsExactly(-300, 300);
            assertThat(read.readLongs("i16")).containsExactly(-300L, 300L);
        }
    }

    @Test
    void i64ValuesOutsideIntRangeAreRejectedByReadInts() {
        Path file = dir.resolve("l.safetensors");
        SafeTensorFile.write(file, Map.of("ids", TensorData.ofLongs(new long[] {3}, new long[] {1, -2, 1L << 40})),
                Map.of());

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.readLongs("ids")).containsExactly(1, -2, 1L << 40);
            assertThatThrownBy(() -> read.readInts("ids"))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessage("tensor 'ids' in " + file + " holds 1099511627776 at index 2, which does not fit"
                            + " in a 32-bit int");
        }
    }

    @Test
    void wrongKindOfReadAndMissingTensorsFailClearly() {
        Path file = dir.resolve("w.safetensors");
        SafeTensorFile.write(file, Map.of("f", TensorData.ofFloats(new long[] {1}, new float[] {1f}),
                "b", new TensorData(SafeTensorDType.BOOL, new long[] {1}, ByteBuffer.wrap(new byte[] {1}))), Map.of());

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.has("f")).isTrue();
            assertThat(read.has("g")).isFalse();
            assertThatThrownBy(() -> read.readInts("f")).isInstanceOf(HeteroloraException.class)
                    .hasMessage("tensor 'f' in " + file + " is F32, not an integer dtype");
            assertThatThrownBy(() -> read.readLongs("b")).isInstanceOf(HeteroloraException.class)
                    .hasMessage("tensor 'b' in " + file + " is BOOL, not an integer dtype");
            assertThatThrownBy(() -> read.readFloats("b")).isInstanceOf(HeteroloraException.class)
                    .hasMessage("tensor 'b' in " + file + " is BOOL, not a floating-point dtype");
            assertThatThrownBy(() -> read.entry("g")).isInstanceOf(HeteroloraException.class)
                    .hasMessage("safetensors file " + file + " has no tensor 'g'");
        }
    }

    @Test
    void rawBuffersOutliveTheFileAndReadsAfterCloseFail() {
        Path file = dir.resolve("c.safetensors");
        SafeTensorFile.write(file, Map.of("f", TensorData.ofFloats(new long[] {1}, new float[] {3f})), Map.of());
        SafeTensorFile read = SafeTensorFile.open(file);
        ByteBuffer raw = read.raw("f");

        read.close();

        assertThat(raw.getFloat(0)).isEqualTo(3f);
        assertThatThrownBy(() -> read.raw("f")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void failedWriteLeavesNoFileBehindAndKeepsTheOldOne() throws IOException {
        Path missingDir = dir.resolve("no/such/dir/x.safetensors");
        Map<String, TensorData> tensors = Map.of("f", TensorData.ofFloats(new long[] {1}, new float[] {1f}));

        assertThatThrownBy(() -> SafeTensorFile.write(missingDir, tensors, Map.of()))
                .isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("cannot write safetensors file " + missingDir + ": ")
                .hasMessageNotContaining("\n");

        Path existing = Files.writeString(dir.resolve("old.safetensors"), "old");
        Map<String, TensorData> bad = Map.of("__metadata__", tensors.get("f"));
        assertThatThrownBy(() -> SafeTensorFile.write(existing, bad, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(existing).hasContent("old");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(existing);
        }
    }

    @Test
    void tensorDataRejectsBytesThatDoNotMatchTheShape() {
        assertThatThrownBy(() -> TensorData.ofFloats(new long[] {2, 2}, new float[] {1f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor data has 4 bytes but shape [2, 2] of F32 needs 16");
    }

    @Test
    void valuesCompareByContent() {
        TensorData a = TensorData.ofFloats(new long[] {2}, new float[] {1f, 2f});
        TensorData b = TensorData.ofFloats(new long[] {2}, new float[] {1f, 2f});
        TensorEntry e = new TensorEntry("x", SafeTensorDType.F32, new long[] {2, 3}, 0, 24);

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(e).isEqualTo(new TensorEntry("x", SafeTensorDType.F32, new long[] {2, 3}, 0, 24));
        assertThat(e.shape()).containsExactly(2, 3);
        e.shape()[0] = 9;
        assertThat(e.shape()).containsExactly(2, 3);
    }

    @Test
    void readsTheLlamaTinyFixture() throws URISyntaxException {
        try (SafeTensorFile model = SafeTensorFile.open(fixture())) {
            assertThat(model.entries()).hasSize(21);
            assertThat(model.metadata()).containsEntry("format", "pt");
            TensorEntry norm = model.entry("model.norm.weight");
            assertThat(norm.dtype()).isEqualTo(SafeTensorDType.F32);
            assertThat(norm.shape()).containsExactly(64);
            assertThat(model.readFloats("model.norm.weight")).hasSize(64);
            assertThat(model.entry("lm_head.weight").shape()).containsExactly(257, 64);
        }
    }

    @Test
    void rewritingTheFixtureWithSortedKeysIsByteIdenticalToTheHuggingFaceFile() throws Exception {
        Path original = fixture();
        Map<String, TensorData> tensors = new TreeMap<>();
        Map<String, String> metadata;
        try (SafeTensorFile model = SafeTensorFile.open(original)) {
            for (TensorEntry e : model.entries()) {
                tensors.put(e.name(), new TensorData(e.dtype(), e.shape(), model.raw(e.name())));
            }
            metadata = model.metadata();
        }
        Path copy = dir.resolve("copy.safetensors");

        SafeTensorFile.write(copy, tensors, metadata);

        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(original));
    }

    @Test
    void filesBeyondTwoGibibytesAreReadPerTensor() throws IOException {
        long big = 3L << 30;
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("sparse.safetensors");
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
            out.write(headerBytes);
            out.seek(8 + headerBytes.length + big);
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array());
        }

        try (SafeTensorFile read = SafeTensorFile.open(file)) {
            assertThat(read.entries()).extracting(TensorEntry::name).isEqualTo(List.of("big", "small"));
            assertThat(read.readFloats("small")).containsExactly(1.5f, -2f);
            assertThatThrownBy(() -> read.raw("big"))
                    .isInstanceOf(HeteroloraException.class)
                    .hasMessage("tensor 'big' in " + file + " is " + big
                            + " bytes; tensors of 2 GiB or more are not supported");
        }
    }

    static Path fixture() throws URISyntaxException {
        return Path.of(SafeTensorFileTest.class.getResource("/fixtures/hf/llama-tiny/model.safetensors").toURI());
    }
}
