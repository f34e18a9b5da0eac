package dev.heterolora.cli;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.trainer.TrainSettings;
import dev.heterolora.trainer.Tuning;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The flags shared by {@code sft} and {@code reward}: what to train, how long, and where the result goes. */
final class TrainingOptions {
    private static final TrainSettings D = TrainSettings.defaults();

    @Option(names = "--plan", paramLabel = "PLAN.json", description = "LoRA following this adapter plan")
    Path plan;

    @Option(names = "--uniform-rank", paramLabel = "R", description = "LoRA rank R on every projection")
    Integer uniformRank;

    @Option(names = "--full", description = "full fine-tuning (every weight)")
    boolean full;

    @Option(names = "--lr", description = "learning rate (default: " + 3e-4 + ")")
    Double lr;

    @Option(names = "--batch-size", description = "rows per step (default: 16)")
    Integer batchSize;

    @Option(names = "--epochs", description = "passes over the data (default: 1)")
    Integer epochs;

    @Option(names = "--steps", description = "stop after this many steps (default: all epochs)")
    Integer steps;

    @Option(names = "--warmup", description = "warm-up steps (default: 10)")
    Integer warmup;

    @Option(names = "--max-length", description = "tokens per row (default: 256)")
    Integer maxLength;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder")
    Path out;

    @Option(names = "--force", description = "replace an existing output folder")
    boolean force;

    /** LoRA by plan or uniform rank, or full fine-tuning; exactly one must be chosen. */
    Tuning tuning(ModelConfig config) {
        int chosen = (plan != null ? 1 : 0) + (uniformRank != null ? 1 : 0) + (full ? 1 : 0);
        if (chosen != 1) {
            throw new HeteroloraException("choose exactly one of --plan PLAN.json, --uniform-rank R, --full");
        }
        if (full) {
            return new Tuning.Full();
        }
        AdapterPlan p = (plan != null ? AdapterPlan.read(plan)
                : AdapterPlan.uniform(config.sites(false), uniformRank, 2.0 * uniformRank)).validateFor(config);
        return new Tuning.Lora(p, 0f);
    }

    TrainSettings settings() {
        TrainSettings s = D.withSeed(seed).withProgress(!noProgress);
        if (lr != null) {
            s = s.withLearningRate(lr);
        }
        if (batchSize != null) {
            s = s.withBatchSize(batchSize);
        }
        if (epochs != null) {
            s = s.withEpochs(epochs);
        }
        if (steps != null) {
            s = s.withSteps(steps);
        }
        if (warmup != null) {
            s = s.withWarmup(warmup);
        }
        if (maxLength != null) {
            s = s.withMaxLength(maxLength);
        }
        return s;
    }
}
