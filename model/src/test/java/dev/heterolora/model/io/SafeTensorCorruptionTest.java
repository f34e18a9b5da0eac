package dev.heterolora.model.io;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorCorruptionTest {

    @TempDir
    Path dir;

    static Stream<Arguments> corruptHeaders() {
        return Stream.of(
                Arguments.of("header not JSON", "{\"a\": {\"dtype\": ", 0,
                        "header is not valid JSON"),
                Arguments.of("trailing garbage after the JSON object", "{} x", 0,
                        "header is not valid JSON"),
                Arguments.of("duplicate tensor names",
                        "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2,
                        "header is not valid JSON: Duplicate field 'a'"),
                Arguments.of("header JSON is an array", "[1, 2]", 0,
                        "header is a JSON array, not a JSON object"),
                Arguments.of("header is blank", "        ", 0,
                        "header is empty, not a JSON object"),
                Arguments.of("entry not an object", "{\"a\": 3}", 0,
                        "tensor 'a' is described by a JSON number, not an object"),
                Arguments.of("missing dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                        "tensor 'a' has no dtype"),
                Arguments.of("dtype not a string", "{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                        "tensor 'a' has dtype 4, not a string"),
                Arguments.of("unknown dtype",
                        "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                        "tensor 'a' has unknown dtype 'F8_E4M3'"),
                Arguments.of("missing shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                        "tensor 'a' has no shape"),
                Arguments.of("negative shape",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,0]}}", 0,
                        "tensor 'a' has negative dimension -3 in shape [2, -3]"),
                Arguments.of("fractional shape",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
                        "tensor 'a' has shape [1.5] with non-integer element 1.5"),
                Arguments.of("shape not an array",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":\"4\",\"data_offsets\":[0,16]}}", 16,
                        "tensor 'a' has shape \"4\", expected an array of integers"),
                Arguments.of("shape too large",
                        "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8,
                        "tensor 'a' has shape [4294967296, 4294967296] too large to address"),
                Arguments.of("missing data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                        "tensor 'a' has no data_offsets"),
                Arguments.of("three data_offsets",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
                        "tensor 'a' has data_offsets [0,4,8], expected [begin, end]"),
                Arguments.of("negative data_offsets",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
                        "tensor 'a' has negative data_offsets [-4, 0]"),
                Arguments.of("begin after end",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4,
                        "tensor 'a' has data_offsets [4, 0] with begin after end"),
                Arguments.of("size/shape mismatch",
                        "{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[10,20],\"data_offsets\":[0,400]}}", 800,
                        "tensor 'a.weight' spans bytes 0..400 but shape [10, 20] of F32 needs 800"),
                Arguments.of("span outside the file",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8,
                        "tensor 'a' spans bytes 0..16 but the data section has only 8 bytes"),
                Arguments.of("overlapping spans",
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
                        "tensors 'a' (bytes 0..8) and 'b' (bytes 4..12) overlap"),
                Arguments.of("span nested inside another",
                        "{\"big\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                                + "\"mid\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16,
                        "tensors 'big' (bytes 0..16) and 'mid' (bytes 4..8) overlap"),
                Arguments.of("non-string metadata",
                        "{\"__metadata__\":{\"format\":\"pt\",\"epoch\":3}}", 0,
                        "__metadata__ value for 'epoch' is a JSON number, not a string"),
                Arguments.of("metadata not an object", "{\"__metadata__\":[\"pt\"]}", 0,
                        "__metadata__ is a JSON array, not an object"),
                Arguments.of("control characters in a name stay on one line",
                        "{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                        "tensor 'a?b' has no data_offsets"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptHeaders")
    void corruptHeaderIsRejectedWithOneLineNamingFileAndProblem(
            String label, String header, int dataBytes, String problem) throws IOException {
        Path file = write(safetensors(header.getBytes(StandardCharsets.UTF_8), dataBytes));

        assertCorrupt(file, problem);
    }

    @Test
    void emptyFile() throws IOException {
        assertCorrupt(write(new byte[0]), "file is empty");
    }

    @Test
    void shorterThanEightBytes() throws IOException {
        assertCorrupt(write(new byte[5]), "file is 5 bytes, too short for the 8-byte header length");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        byte[] bytes = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();

        assertCorrupt(write(bytes), "header length 1000 bytes runs past the end of the 18-byte file");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        byte[] bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();

        assertCorrupt(write(bytes), "header length 18446744073709551615 bytes exceeds the 104857600-byte limit");
    }

    @Test
    void headerJustOverTheCap() throws IOException {
        byte[] bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SafeTensorFile.MAX_HEADER_BYTES + 1).array();

        assertCorrupt(write(bytes), "header length 104857601 bytes exceeds the 104857600-byte limit");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};

        assertCorrupt(write(safetensors(header, 0)), "header is not valid UTF-8");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");

        assertThatThrownBy(() -> SafeTensorFile.open(file))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("safetensors file " + file + " does not exist");
    }

    @Test
    void directoryInsteadOfFile() {
        assertThatThrownBy(() -> SafeTensorFile.open(dir))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("safetensors file " + dir + " is not a regular file");
    }

    private void assertCorrupt(Path file, String problem) {
        assertThatThrownBy(() -> SafeTensorFile.open(file))
                .isInstanceOf(HeteroloraException.class)
                .hasMessageStartingWith("corrupt safetensors file " + file + ": ")
                .hasMessageContaining(problem)
                .hasMessageNotContaining("\n");
    }

    private Path write(byte[] content) throws IOException {
        return Files.write(dir.resolve("model.safetensors"), content);
    }

    /** A file with the given raw header bytes followed by {@code dataBytes} zero bytes. */
    static byte[] safetensors(byte[] header, int dataBytes) {
        return ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array();
    }
}
