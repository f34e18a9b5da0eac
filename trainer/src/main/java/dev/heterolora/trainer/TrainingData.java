package dev.heterolora.trainer;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.world.Demonstration;
import dev.heterolora.trainer.world.Preference;
import dev.heterolora.trainer.world.WorldFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Users' training files, in the world's JSONL formats ({@link WorldFiles}): {@code {"prompt","response"}} lines
 * for SFT and {@code {"prompt","chosen","rejected"}} lines for the reward model. A malformed line fails with its
 * file and line number; a file without any example fails too.
 */
public final class TrainingData {
    private TrainingData() {}

    /** The demonstrations of {@code file}, tokenised. */
    public static List<SftExample> sft(Path file, TokenCodec codec) {
        List<Demonstration> rows = WorldFiles.readSft(file);
        if (rows.isEmpty()) {
            throw new HeteroloraException(file + " has no examples");
        }
        return rows.stream().map(d -> SftExample.of(codec, d)).toList();
    }

    /** The preference pairs of {@code file}, tokenised. */
    public static List<PairExample> pairs(Path file, TokenCodec codec) {
        List<Preference> rows = WorldFiles.readPairs(file);
        if (rows.isEmpty()) {
            throw new HeteroloraException(file + " has no preference pairs");
        }
        return rows.stream().map(p -> PairExample.of(codec, p)).toList();
    }
}
