package dev.heterolora.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * An open safetensors file: a validated header plus on-demand, memory-mapped access to each tensor's bytes.
 *
 * <p>It exists because DJL's decoder reads whole files into memory and cannot decode BF16. {@link #open} checks
 * the whole header (dtypes, shapes, offsets, overlaps, metadata) before returning, so a corrupt file fails once,
 * up front, with a one-line message naming the file and the problem. Each tensor is mapped separately, so files
 * larger than 2 GiB work as long as every single tensor is smaller than 2 GiB. {@link #write} produces files in
 * the layout Hugging Face's own writer uses.
 */
public final class SafeTensorFile implements AutoCloseable {

    /** Largest header accepted or written; real headers are kilobytes, so anything bigger is corruption. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorEntry> entries;

    private SafeTensorFile(
            Path path, FileChannel channel, long dataStart, Map<String, String> metadata, List<TensorEntry> entries) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = metadata;
        Map<String, TensorEntry> byName = new LinkedHashMap<>();
        entries.forEach(e -> byName.put(e.name(), e));
        this.entries = byName;
    }

    /**
     * Opens and fully validates the header of {@code path}.
     *
     * @throws HeteroloraException if the file is missing, unreadable or not a well-formed safetensors file
     */
    public static SafeTensorFile open(Path path) {
        if (!Files.exists(path)) {
            throw new HeteroloraException("safetensors file " + path + " does not exist");
        }
        if (!Files.isRegularFile(path)) {
            throw new HeteroloraException("safetensors file " + path + " is not a regular file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new HeteroloraException("cannot read safetensors file " + path + ": " + oneLine(e), e);
        }
        try {
            return readHeader(path, channel);
        } catch (RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static SafeTensorFile readHeader(Path path, FileChannel channel) {
        try {
            long size = channel.size();
            if (size == 0) {
                throw corrupt(path, "file is empty");
            }
            if (size < 8) {
                throw corrupt(path, "file is " + size + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
                throw corrupt(path, "header length " + Long.toUnsignedString(headerLength)
                        + " bytes exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            }
            if (headerLength > size - 8) {
                throw corrupt(path, "header length " + headerLength + " bytes runs past the end of the "
                        + size + "-byte file");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            JsonNode header = parseJson(path, headerBytes.flip());
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = parseMetadata(path, header.get(METADATA_KEY));
            List<TensorEntry> entries = parseEntries(path, header, size - dataStart);
            return new SafeTensorFile(path, channel, dataStart, metadata, entries);
        } catch (IOException e) {
            throw new HeteroloraException("cannot read safetensors file " + path + ": " + oneLine(e), e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int read = channel.read(into, position + into.position());
            if (read < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static JsonNode parseJson(Path path, ByteBuffer utf8) {
        CharBuffer text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(utf8);
        } catch (CharacterCodingException e) {
            throw corrupt(path, "header is not valid UTF-8");
        }
        JsonNode header;
        try {
            header = JSON.readTree(text.toString());
        } catch (JsonProcessingException e) {
            throw corrupt(path, "header is not valid JSON: " + oneLine(e));
        }
        if (header == null || !header.isObject()) {
            throw corrupt(path, "header is " + describe(header) + ", not a JSON object");
        }
        return header;
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw corrupt(path, METADATA_KEY + " is " + describe(node) + ", not an object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw corrupt(path, METADATA_KEY + " value for " + quote(field.getKey()) + " is "
                        + describe(field.getValue()) + ", not a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static List<TensorEntry> parseEntries(Path path, JsonNode header, long dataSize) {
        List<TensorEntry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            if (!field.getKey().equals(METADATA_KEY)) {
                entries.add(parseEntry(path, field.getKey(), field.getValue(), dataSize));
            }
        }
        entries.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        TensorEntry furthest = null;
        for (TensorEntry e : entries) {
            if (e.byteLength() == 0) {
                continue;
            }
            if (furthest != null && e.begin() < furthest.end()) {
                throw corrupt(path, "tensors " + quote(furthest.name()) + " (bytes " + span(furthest) + ") and "
                        + quote(e.name()) + " (bytes " + span(e) + ") overlap");
            }
            if (furthest == null || e.end() > furthest.end()) {
                furthest = e;
            }
        }
        return entries;
    }

    private static TensorEntry parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String tensor = "tensor " + quote(name);
        if (!node.isObject()) {
            throw corrupt(path, tensor + " is described by " + describe(node) + ", not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null) {
            throw corrupt(path, tensor + " has no dtype");
        }
        if (!dtypeNode.isTextual()) {
            throw corrupt(path, tensor + " has dtype " + clip(dtypeNode) + ", not a string");
        }
        SafeTensorDType dtype = SafeTensorDType.byFileName(dtypeNode.textValue()).orElseThrow(() -> corrupt(path,
                tensor + " has unknown dtype " + quote(dtypeNode.textValue())
                        + " (supported: " + Arrays.toString(SafeTensorDType.values()) + ")"));
        long[] shape = longs(path, tensor, "shape", node.get("shape"), -1);
        for (long dim : shape) {
            if (dim < 0) {
                throw corrupt(path, tensor + " has negative dimension " + dim + " in shape " + Arrays.toString(shape));
            }
        }
        long[] offsets = longs(path, tensor, "data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < 0) {
            throw corrupt(path, tensor + " has negative data_offsets " + Arrays.toString(offsets));
        }
        if (begin > end) {
            throw corrupt(path, tensor + " has data_offsets " + Arrays.toString(offsets) + " with begin after end");
        }
        long needed;
        try {
            needed = Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw corrupt(path, tensor + " has shape " + Arrays.toString(shape) + " too large to address");
        }
        if (end - begin != needed) {
            throw corrupt(path, tensor + " spans bytes " + begin + ".." + end + " but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + needed);
        }
        if (end > dataSize) {
            throw corrupt(path, tensor + " spans bytes " + begin + ".." + end + " but the data section has only "
                    + dataSize + " bytes");
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    /** Reads a JSON array of integers; {@code length} is the required length, or -1 for any. */
    private static long[] longs(Path path, String tensor, String field, JsonNode node, int length) {
        if (node == null) {
            throw corrupt(path, tensor + " has no " + field);
        }
        String expected = length == 2 ? "[begin, end]" : "an array of integers";
        if (!node.isArray() || (length >= 0 && node.size() != length)) {
            throw corrupt(path, tensor + " has " + field + " " + clip(node) + ", expected " + expected);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode element = node.get(i);
            if (!element.isIntegralNumber() || !element.canConvertToLong()) {
                throw corrupt(path, tensor + " has " + field + " " + clip(node) + " with non-integer element "
                        + clip(element));
            }
            values[i] = element.longValue();
        }
        return values;
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} string pairs, in header order; empty if the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensors, ordered by where their bytes start in the file. */
    public List<TensorEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** Whether the file holds a tensor called {@code name}. */
    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** The header entry for {@code name}; fails with a one-line message if there is none. */
    public TensorEntry entry(String name) {
        TensorEntry entry = entries.get(name);
        if (entry == null) {
            throw new HeteroloraException("safetensors file " + path + " has no tensor " + quote(name));
        }
        return entry;
    }

    /** The tensor's raw bytes as a read-only little-endian buffer mapped from the file. */
    public ByteBuffer raw(String name) {
        return map(entry(name));
    }

    /** The tensor as floats; F32, F16, BF16 and F64 are converted, other dtypes are rejected. */
    public float[] readFloats(String name) {
        TensorEntry entry = entry(name);
        ByteBuffer bytes = switch (entry.dtype()) {
            case F32, F16, BF16, F64 -> map(entry);
            default -> throw wrongType(entry, "a floating-point");
        };
        float[] out = new float[(int) entry.elementCount()];
        switch (entry.dtype()) {
            case F32 -> bytes.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) bytes.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.float16ToFloat(bytes.getShort(i * 2));
                }
            }
            default -> { // BF16 is the top half of an F32
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat(bytes.getShort(i * 2) << 16);
                }
            }
        }
        return out;
    }

    /** The tensor as ints; I32, I16, I8, U8 (unsigned) and I64 (if every value fits) are accepted. */
    public int[] readInts(String name) {
        TensorEntry entry = entry(name);
        if (entry.dtype() == SafeTensorDType.I64) {
            long[] wide = readLongs(name);
            int[] out = new int[wide.length];
            for (int i = 0; i < wide.length; i++) {
                if (wide[i] != (int) wide[i]) {
                    throw new HeteroloraException("tensor " + quote(name) + " in " + path + " holds " + wide[i]
                            + " at index " + i + ", which does not fit in a 32-bit int");
                }
                out[i] = (int) wide[i];
            }
            return out;
        }
        ByteBuffer bytes = switch (entry.dtype()) {
            case I32, I16, I8, U8 -> map(entry);
            default -> throw wrongType(entry, "an integer");
        };
        int[] out = new int[(int) entry.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intAt(entry.dtype(), bytes, i);
        }
        return out;
    }

    /** The tensor as longs; I64, I32, I16, I8 and U8 (unsigned) are accepted. */
    public long[] readLongs(String name) {
        TensorEntry entry = entry(name);
        ByteBuffer bytes = switch (entry.dtype()) {
            case I64, I32, I16, I8, U8 -> map(entry);
            default -> throw wrongType(entry, "an integer");
        };
        long[] out = new long[(int) entry.elementCount()];
        if (entry.dtype() == SafeTensorDType.I64) {
            bytes.asLongBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = intAt(entry.dtype(), bytes, i);
            }
        }
        return out;
    }

    private static int intAt(SafeTensorDType dtype, ByteBuffer bytes, int i) {
        return switch (dtype) {
            case I32 -> bytes.getInt(i * 4);
            case I16 -> bytes.getShort(i * 2);
            case I8 -> bytes.get(i);
            case U8 -> Byte.toUnsignedInt(bytes.get(i));
            default -> throw new IllegalArgumentException("not a 32-bit-or-narrower integer dtype: " + dtype);
        };
    }

    private HeteroloraException wrongType(TensorEntry entry, String wanted) {
        return new HeteroloraException("tensor " + quote(entry.name()) + " in " + path + " is " + entry.dtype()
                + ", not " + wanted + " dtype");
    }

    private ByteBuffer map(TensorEntry entry) {
        if (entry.byteLength() > Integer.MAX_VALUE) {
            throw new HeteroloraException("tensor " + quote(entry.name()) + " in " + path + " is "
                    + entry.byteLength() + " bytes; tensors of 2 GiB or more are not supported");
        }
        if (entry.byteLength() == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin(), entry.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (ClosedChannelException e) {
            throw new IllegalStateException("safetensors file " + path + " is closed", e);
        } catch (IOException e) {
            throw new HeteroloraException("cannot read tensor " + quote(entry.name()) + " from " + path + ": "
                    + oneLine(e), e);
        }
    }

    /** Closes the file; buffers already returned by {@link #raw} stay valid. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code tensors} and {@code metadata} as a safetensors file, atomically.
     *
     * <p>Tensors are laid out in the iteration order of {@code tensors}; pass a {@link java.util.TreeMap} for
     * name-sorted output, which matches Hugging Face's writer when all tensors share a dtype. The header is padded
     * with spaces to a multiple of 8 bytes. The file is written to a temporary file in the same directory and then
     * moved into place, so on failure nothing half-written is left behind and an existing file is untouched.
     *
     * @throws HeteroloraException if the file cannot be written
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        Map<String, TensorData> ordered = new LinkedHashMap<>(tensors);
        ByteBuffer header = header(file, ordered, metadata);
        Path target = file.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, header);
                for (TensorData tensor : ordered.values()) {
                    writeFully(out, tensor.data());
                }
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new HeteroloraException("cannot write safetensors file " + file + ": " + oneLine(e), e);
        }
    }

    private static ByteBuffer header(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach((key, value) -> meta.put(key, Objects.requireNonNull(value, key)));
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> tensor : tensors.entrySet()) {
            if (tensor.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException(METADATA_KEY + " cannot be a tensor name");
            }
            ObjectNode node = header.putObject(tensor.getKey());
            node.put("dtype", tensor.getValue().dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long dim : tensor.getValue().shape()) {
                shape.add(dim);
            }
            long end = offset + tensor.getValue().data().remaining();
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new HeteroloraException("cannot write safetensors file " + file + ": header would be " + padded
                    + " bytes, over the " + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer bytes = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(padded).put(json);
        while (bytes.hasRemaining()) {
            bytes.put((byte) ' ');
        }
        return bytes.flip();
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    private static String span(TensorEntry e) {
        return e.begin() + ".." + e.end();
    }

    private static HeteroloraException corrupt(Path path, String problem) {
        return new HeteroloraException("corrupt safetensors file " + path + ": " + problem);
    }

    /** A tensor or key name in single quotes, with control characters replaced so messages stay on one line. */
    static String quote(String name) {
        return "'" + name.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    /** An exception's message squeezed onto one line (for JSON errors, without Jackson's source location). */
    static String oneLine(Throwable e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        return message == null ? e.getClass().getSimpleName() : oneLine(message);
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }

    /** What kind of JSON value {@code node} is, for messages ("a JSON array", "empty"). */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "empty";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "a JSON array";
            case OBJECT -> "a JSON object";
            case STRING -> "a JSON string";
            case NUMBER -> "a JSON number";
            case BOOLEAN -> "a JSON boolean";
            case NULL -> "JSON null";
            default -> "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String clip(JsonNode node) {
        String text = oneLine(node.toString());
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
