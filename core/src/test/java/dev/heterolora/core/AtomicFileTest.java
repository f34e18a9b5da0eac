package dev.heterolora.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way files that others read are replaced: whole, 0644, nothing left behind when the writing fails. */
class AtomicFileTest {
    @Test
    void replacesTheFileWholeWithNormalPermissions(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("trainer_state.json");
        AtomicFile.write(file, out -> {
            out.write("{\"step\": 1}".getBytes());
            out.close(); // as Jackson's writeValue does
        });
        AtomicFile.writeString(file, "{\"step\": 2}");
        assertThat(Files.readString(file)).isEqualTo("{\"step\": 2}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file);
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporary(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("adapter_config.json");
        AtomicFile.writeString(file, "old");
        assertThatThrownBy(() -> AtomicFile.write(file, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(file)).isEqualTo("old");
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file);
        }
    }
}
