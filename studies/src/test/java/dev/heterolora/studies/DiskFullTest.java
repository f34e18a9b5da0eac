package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.heterolora.core.HeteroloraException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study database on a disk that fills up says so in one line, not as H2's "MVStoreException: Writing to
 * sun.nio.ch.FileChannelImpl@… failed". The full disk is a 600 KB tmpfs, so the test runs where it may mount one (as
 * root, as CI does) and is skipped elsewhere.
 */
class DiskFullTest {
    @Test
    void aFullDiskIsOneLine(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk");
        java.nio.file.Files.createDirectories(disk);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here");
        try (StudyStore store = StudyStore.open("jdbc:h2:file:" + disk.resolve("home/studies"))) {
            long study = store.createStudy(Fixtures.study(null));
            assertThatThrownBy(() -> {
                for (int seq = 0; seq < 100_000; seq += 100) {
                    List<NewTrial> batch = new ArrayList<>();
                    for (int i = seq; i < seq + 100; i++) {
                        batch.add(new NewTrial(study, i, 0, "{\"x\":\"" + "y".repeat(2000) + i + "\"}", 1, true, 1.0,
                                Map.of("snip", 1.0), 0.1));
                    }
                    store.recordTrials(batch);
                }
            }).isInstanceOf(HeteroloraException.class)
                    .hasMessage("cannot write the study database: the disk is full (no space left on the device)");
        } catch (HeteroloraException closing) {
            assertThat(closing.getMessage()).doesNotContain("\n");
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor();
        }
    }
}
