package dev.heterolora.trainer;

import dev.heterolora.core.HeteroloraException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Writes a whole output directory or nothing: the content goes into a hidden temporary sibling, which is moved
 * into place only when complete; on any failure the temporary directory is deleted and an existing target is
 * left as it was.
 */
public final class OutputDirectory {
    private OutputDirectory() {}

    /** Fills a directory. */
    @FunctionalInterface
    public interface Filler {
        void fill(Path dir) throws IOException;
    }

    /**
     * Writes {@code target} through {@code filler}. An existing target is replaced only when {@code replace} is
     * true (it is moved aside first and deleted after the new one is in place).
     */
    public static void write(Path target, boolean replace, Filler filler) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs) && !replace) {
            throw new HeteroloraException("output " + target + " already exists (remove it or choose another)");
        }
        Path parent = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
            filler.fill(tmp);
            readableByAll(tmp);
            Path old = null;
            if (Files.exists(abs)) {
                old = Files.createTempDirectory(parent, "." + abs.getFileName() + ".old-");
                Files.delete(old);
                move(abs, old);
            }
            move(tmp, abs);
            tmp = null;
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot write " + target + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new HeteroloraException("cannot write " + target + ": " + e.getCause().getMessage());
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /** Temporary directories are created owner-only; the finished output gets the usual rwxr-xr-x. */
    private static void readableByAll(Path dir) throws IOException {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Copies those of {@code names} that exist in {@code from} into {@code to}. */
    public static void copyIfPresent(Path from, Path to, List<String> names) throws IOException {
        for (String n : names) {
            Path f = from.resolve(n);
            if (Files.isRegularFile(f)) {
                Files.copy(f, to.resolve(n), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The tokenizer files transformers looks for beside a model. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json");

    /** Deletes a directory tree. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException ignored) {
            // best effort: a leftover hidden temp dir is harmless
        }
    }
}
