package dev.heterolora.app;

import ai.djl.ndarray.types.DataType;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.trainer.world.WorldBuilder;
import dev.heterolora.trainer.world.WorldReport;
import dev.heterolora.trainer.world.WorldSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the embedded world lives ({@code <home>/world}: policy/, reward/, data/, world.json) and how a command that
 * needs it gets it: built on first use, with the default spec.
 */
public final class WorldHome {
    private WorldHome() {}

    /** The world folder under a data directory. */
    public static Path dir(Path home) {
        return home.resolve("world");
    }

    /** The world folder, building the default world first when it is missing. */
    public static Path ensure(Path home, ComputeSettings compute, PrintStream log) {
        Path dir = dir(home);
        if (!Files.isRegularFile(dir.resolve(WorldBuilder.REPORT))) {
            log.println("building the embedded world in " + dir + " (first use; about 3 minutes on 2 CPU cores, "
                    + "once)...");
            // the world is always trained in fp32 on the command's device: an fp16 build is slower on a CPU and is not
            // the world the quality figures describe
            WorldReport r = WorldBuilder.build(WorldSpec.defaults(), WorldBuilder.Training.defaults(),
                    new ComputeSettings(compute.device(), DataType.FLOAT32), dir, true, true);
            log.printf(java.util.Locale.ROOT, "world built in %.0f s: SFT policy accuracy %.2f (factuality %.2f), "
                            + "reward model %.2f against the oracle (heterolora world info)%n",
                    r.seconds().get("total"), r.sft().accuracy(), r.sft().factAccuracy(),
                    r.reward().heldOutAccuracyVsOracle());
        }
        return dir;
    }

    /** The world's SFT policy (a HuggingFace folder). */
    public static Path policy(Path world) {
        return world.resolve(WorldBuilder.POLICY);
    }

    /** The world's reward model folder. */
    public static Path reward(Path world) {
        return world.resolve(WorldBuilder.REWARD);
    }

    /** One of the world's data files (sft.jsonl, pairs.jsonl, eval.jsonl). */
    public static Path data(Path world, String file) {
        return world.resolve(WorldBuilder.DATA).resolve(file);
    }
}
