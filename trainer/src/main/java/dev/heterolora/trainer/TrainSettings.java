package dev.heterolora.trainer;

import dev.heterolora.core.HeteroloraException;

/**
 * Settings shared by the supervised and reward trainers.
 *
 * @param learningRate peak learning rate (reached after the warm-up, then cosine decay to 10% of it)
 * @param batchSize examples (SFT) or pairs (reward model) per optimizer step
 * @param epochs passes over the data; ignored when {@code maxSteps > 0}
 * @param maxSteps exact number of optimizer steps when positive (the data is cycled through, reshuffled each pass)
 * @param warmupSteps linear warm-up length
 * @param weightDecay AdamW's decoupled weight decay (matrices only)
 * @param maxLength longest token sequence trained on; longer ones are cut at the end
 * @param seed batch order and adapter initialisation (streams of the trainer's own; nothing is seeded process-wide)
 * @param maxGradNorm global-norm gradient clipping
 * @param progress show a progress bar on stderr
 */
public record TrainSettings(double learningRate, int batchSize, int epochs, int maxSteps, int warmupSteps,
                            double weightDecay, int maxLength, long seed, double maxGradNorm, boolean progress) {

    public TrainSettings {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new HeteroloraException("--lr must be a positive finite number, got " + learningRate);
        }
        if (batchSize <= 0) {
            throw new HeteroloraException("--batch-size must be positive, got " + batchSize);
        }
        if (maxSteps <= 0 && epochs <= 0) {
            throw new HeteroloraException("give a positive --epochs or --steps");
        }
        if (warmupSteps < 0) {
            throw new HeteroloraException("--warmup must be >= 0, got " + warmupSteps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new HeteroloraException("--weight-decay must be a finite number >= 0, got " + weightDecay);
        }
        if (maxLength < 2) {
            throw new HeteroloraException("--max-length must be at least 2, got " + maxLength);
        }
        if (!(maxGradNorm > 0)) {
            throw new HeteroloraException("--max-grad-norm must be positive, got " + maxGradNorm);
        }
    }

    /** Reasonable defaults for small models: lr 3e-4, batch 16, 1 epoch, warm-up 10, decay 0, length 256. */
    public static TrainSettings defaults() {
        return new TrainSettings(3e-4, 16, 1, 0, 10, 0.0, 256, 0, 1.0, true);
    }

    /** Number of optimizer steps for {@code examples} training items. */
    public int totalSteps(int examples) {
        return maxSteps > 0 ? maxSteps : epochs * Math.max(1, (examples + batchSize - 1) / batchSize);
    }

    /** The learning rate of step {@code step} (0-based) of {@code total}. */
    public double learningRateAt(int step, int total) {
        return LearningRate.warmupCosine(learningRate, warmupSteps, total, 0.1, step);
    }

    public TrainSettings withLearningRate(double lr) {
        return new TrainSettings(lr, batchSize, epochs, maxSteps, warmupSteps, weightDecay, maxLength, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withBatchSize(int b) {
        return new TrainSettings(learningRate, b, epochs, maxSteps, warmupSteps, weightDecay, maxLength, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withEpochs(int e) {
        return new TrainSettings(learningRate, batchSize, e, 0, warmupSteps, weightDecay, maxLength, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withSteps(int s) {
        return new TrainSettings(learningRate, batchSize, epochs, s, warmupSteps, weightDecay, maxLength, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withWarmup(int w) {
        return new TrainSettings(learningRate, batchSize, epochs, maxSteps, w, weightDecay, maxLength, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withWeightDecay(double wd) {
        return new TrainSettings(learningRate, batchSize, epochs, maxSteps, warmupSteps, wd, maxLength, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withMaxLength(int n) {
        return new TrainSettings(learningRate, batchSize, epochs, maxSteps, warmupSteps, weightDecay, n, seed,
                maxGradNorm, progress);
    }

    public TrainSettings withSeed(long s) {
        return new TrainSettings(learningRate, batchSize, epochs, maxSteps, warmupSteps, weightDecay, maxLength, s,
                maxGradNorm, progress);
    }

    public TrainSettings withProgress(boolean p) {
        return new TrainSettings(learningRate, batchSize, epochs, maxSteps, warmupSteps, weightDecay, maxLength, seed,
                maxGradNorm, p);
    }
}
