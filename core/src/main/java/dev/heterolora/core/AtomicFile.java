package dev.heterolora.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writing a file that readers may open at any moment (a dashboard polling trainer_state.json, PEFT loading an
 * adapter_config.json, a user opening an export): the content goes to a temporary file in the same folder, is forced
 * to disk, gets the permissions of a normal file (0644: a temporary file is created 0600) and is moved over the old
 * file in one step, so a reader sees the old file or the new one, never half of one, and a kill leaves no torn file.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** What goes into the file. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out} (closing it is allowed: the file is forced to disk after). */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Replaces {@code file} (or creates it) with {@code text} in UTF-8. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Replaces {@code file} (or creates it) with what {@code content} writes. */
    public static void write(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                content.writeTo(new KeptOpen(Channels.newOutputStream(channel)));
                channel.force(true);
            }
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The stream a content writes to: closing it (as Jackson and ImageIO do) leaves the file open for the sync. */
    private static final class KeptOpen extends OutputStream {
        private final OutputStream out;

        KeptOpen(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() {
            // the channel is closed by write() after it is forced
        }
    }
}
