package dev.heterolora.model.io;

import static dev.heterolora.model.io.SafeTensorFile.describe;
import static dev.heterolora.model.io.SafeTensorFile.oneLine;
import static dev.heterolora.model.io.SafeTensorFile.quote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face model directory, whether stored as one {@code model.safetensors} or as shards
 * listed in {@code model.safetensors.index.json}.
 *
 * <p>It exists so model loading can ask for tensors by name without caring how the checkpoint is split.
 * {@link #open} checks up front that every shard named by the index exists, is a valid safetensors file and
 * holds each tensor mapped to it. When both forms are present the single file wins, as in {@code transformers}.
 */
public final class SafeTensorCheckpoint implements AutoCloseable {

    /** Name of an unsharded checkpoint inside a model directory. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** Name of the shard index of a sharded checkpoint inside a model directory. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final Map<String, SafeTensorFile> fileByTensor;
    private final List<SafeTensorFile> files;

    private SafeTensorCheckpoint(Path directory, Map<String, SafeTensorFile> fileByTensor, List<SafeTensorFile> files) {
        this.directory = directory;
        this.fileByTensor = fileByTensor;
        this.files = files;
    }

    /**
     * Opens the checkpoint in {@code directory}.
     *
     * @throws HeteroloraException if the directory has no checkpoint, or the index or any shard is invalid
     */
    public static SafeTensorCheckpoint open(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new HeteroloraException("model directory " + directory + " does not exist or is not a directory");
        }
        Path single = directory.resolve(SINGLE_FILE);
        if (Files.exists(single)) {
            SafeTensorFile file = SafeTensorFile.open(single);
            Map<String, SafeTensorFile> byTensor = new TreeMap<>();
            file.entries().forEach(e -> byTensor.put(e.name(), file));
            return new SafeTensorCheckpoint(directory, byTensor, List.of(file));
        }
        Path index = directory.resolve(INDEX_FILE);
        if (Files.exists(index)) {
            return openSharded(directory, index);
        }
        throw new HeteroloraException("model directory " + directory + " has neither " + SINGLE_FILE + " nor "
                + INDEX_FILE);
    }

    private static SafeTensorCheckpoint openSharded(Path directory, Path index) {
        Map<String, String> shardByTensor = readWeightMap(index);
        Map<String, SafeTensorFile> shards = new TreeMap<>();
        try {
            for (Map.Entry<String, String> mapping : shardByTensor.entrySet()) {
                String shard = mapping.getValue();
                Path shardPath = directory.resolve(shard);
                if (!shards.containsKey(shard) && !Files.exists(shardPath)) {
                    throw badIndex(index, "tensor " + quote(mapping.getKey()) + " is mapped to shard "
                            + quote(shard) + ", which does not exist");
                }
                SafeTensorFile file = shards.computeIfAbsent(shard, s -> SafeTensorFile.open(shardPath));
                if (!file.has(mapping.getKey())) {
                    throw badIndex(index, "tensor " + quote(mapping.getKey()) + " is mapped to shard "
                            + quote(shard) + ", which has no such tensor");
                }
            }
        } catch (RuntimeException e) {
            throw closeAll(shards.values(), e);
        }
        Map<String, SafeTensorFile> byTensor = new TreeMap<>();
        shardByTensor.forEach((tensor, shard) -> byTensor.put(tensor, shards.get(shard)));
        return new SafeTensorCheckpoint(directory, byTensor, List.copyOf(shards.values()));
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = SafeTensorFile.JSON.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw badIndex(index, "not valid JSON: " + oneLine(e));
        } catch (IOException e) {
            throw new HeteroloraException("cannot read safetensors index " + index + ": " + oneLine(e), e);
        }
        if (root == null || !root.isObject()) {
            throw badIndex(index, "it is " + describe(root) + ", not a JSON object");
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null) {
            throw badIndex(index, "it has no weight_map");
        }
        if (!weightMap.isObject()) {
            throw badIndex(index, "weight_map is " + describe(weightMap) + ", not an object");
        }
        if (weightMap.isEmpty()) {
            throw badIndex(index, "weight_map is empty");
        }
        Map<String, String> shardByTensor = new TreeMap<>();
        for (Map.Entry<String, JsonNode> mapping : weightMap.properties()) {
            String tensor = quote(mapping.getKey());
            if (!mapping.getValue().isTextual()) {
                throw badIndex(index, "tensor " + tensor + " is mapped to " + describe(mapping.getValue())
                        + ", not a shard file name");
            }
            String shard = mapping.getValue().textValue();
            if (!isPlainFileName(shard)) {
                throw badIndex(index, "tensor " + tensor + " is mapped to " + quote(shard)
                        + ", which is not a file name in the same directory");
            }
            shardByTensor.put(mapping.getKey(), shard);
        }
        return shardByTensor;
    }

    private static boolean isPlainFileName(String name) {
        try {
            Path path = Path.of(name);
            return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                    && path.getNameCount() == 1 && !path.isAbsolute() && path.toString().equals(name);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static HeteroloraException badIndex(Path index, String problem) {
        return new HeteroloraException("corrupt safetensors index " + index + ": " + problem);
    }

    /** Closes every file even if some fail; returns {@code failure}, or the first new failure, or null. */
    private static RuntimeException closeAll(Collection<SafeTensorFile> files, RuntimeException failure) {
        for (SafeTensorFile file : files) {
            try {
                file.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    /** The model directory this checkpoint was opened from. */
    public Path directory() {
        return directory;
    }

    /** All tensor names, sorted. */
    public List<String> names() {
        return List.copyOf(fileByTensor.keySet());
    }

    /** Whether the checkpoint holds a tensor called {@code name}. */
    public boolean has(String name) {
        return fileByTensor.containsKey(name);
    }

    /** The header entry for {@code name}; its offsets are relative to the shard that holds it. */
    public TensorEntry entry(String name) {
        return fileFor(name).entry(name);
    }

    /** The tensor's raw bytes as a read-only little-endian buffer. */
    public ByteBuffer raw(String name) {
        return fileFor(name).raw(name);
    }

    /** The tensor converted to floats; see {@link SafeTensorFile#readFloats}. */
    public float[] readFloats(String name) {
        return fileFor(name).readFloats(name);
    }

    private SafeTensorFile fileFor(String name) {
        SafeTensorFile file = fileByTensor.get(name);
        if (file == null) {
            throw new HeteroloraException("model checkpoint in " + directory + " has no tensor " + quote(name));
        }
        return file;
    }

    /** Closes every shard. */
    @Override
    public void close() {
        RuntimeException failure = closeAll(files, null);
        if (failure != null) {
            throw failure;
        }
    }
}
