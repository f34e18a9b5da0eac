package dev.heterolora.cli;

import dev.heterolora.model.ComputeSettings;
import dev.heterolora.trainer.world.WorldBuilder;
import dev.heterolora.trainer.world.WorldSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the embedded world lives ({@code <home>/world}: policy/, reward/, data/, world.json) and how a command that
 * needs it gets it: built on first use, with the default spec.
 */
final class WorldHome {
    private WorldHome() {}

    static Path dir(StoreOptions store) {
        return store.home().resolve("world");
    }

    /** The world folder, building the default world first when it is missing. */
    static Path ensure(StoreOptions store, ComputeSettings compute, PrintStream log) {
        Path dir = dir(store);
        if (!Files.isRegularFile(dir.resolve(WorldBuilder.REPORT))) {
            log.println("building the embedded world in " + dir + " (first use; a few minutes)...");
            WorldBuilder.build(WorldSpec.defaults(), WorldBuilder.Training.defaults(), compute, dir, true, true);
        }
        return dir;
    }

    /** The world's SFT policy (a HuggingFace folder). */
    static Path policy(Path world) {
        return world.resolve(WorldBuilder.POLICY);
    }

    /** The world's reward model folder. */
    static Path reward(Path world) {
        return world.resolve(WorldBuilder.REWARD);
    }

    /** One of the world's data files (sft.jsonl, pairs.jsonl, eval.jsonl). */
    static Path data(Path world, String file) {
        return world.resolve(WorldBuilder.DATA).resolve(file);
    }
}
