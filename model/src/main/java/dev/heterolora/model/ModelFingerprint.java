package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A content hash that identifies a model folder in a study, cheap even for multi-gigabyte checkpoints: SHA-256 over
 * config.json, tokenizer.json, the shard index, and every safetensors file's size, header and the first and last
 * MiB of its data (a changed weight file almost always changes one of these).
 */
public final class ModelFingerprint {
    private static final int SAMPLE = 1 << 20;

    private ModelFingerprint() {}

    /** Hex SHA-256 fingerprint of the model in {@code dir}. */
    public static String of(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String name : List.of("config.json", "tokenizer.json", "model.safetensors.index.json")) {
                Path f = dir.resolve(name);
                if (Files.isRegularFile(f)) {
                    sha.update(name.getBytes());
                    sha.update(Files.readAllBytes(f));
                }
            }
            List<Path> weights;
            try (Stream<Path> s = Files.list(dir)) {
                weights = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            }
            for (Path w : weights) {
                long size = Files.size(w);
                sha.update(w.getFileName().toString().getBytes());
                sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(size).array());
                try (InputStream in = Files.newInputStream(w)) {
                    sha.update(in.readNBytes(SAMPLE));
                    long skip = size - 2L * SAMPLE;
                    if (skip > 0) {
                        in.skipNBytes(skip);
                    }
                    sha.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new HeteroloraException("cannot read model folder " + dir + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
