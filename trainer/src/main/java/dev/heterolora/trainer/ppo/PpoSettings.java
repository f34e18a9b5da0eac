package dev.heterolora.trainer.ppo;

import dev.heterolora.core.HeteroloraException;

/**
 * Every constant of LoRA-PPO (arXiv 2309.09055, on AlpacaFarm's PPO), each a CLI flag with this default.
 *
 * @param steps rollout batches
 * @param rolloutBatch prompts per rollout batch
 * @param miniBatch rows per gradient step
 * @param epochs PPO epochs per rollout batch
 * @param beta KL coefficient (initial value when adaptive)
 * @param klTarget adaptive controller's target KL; 0 = fixed β
 * @param topP nucleus-sampling threshold of the rollouts (1 = plain sampling, the paper's)
 * @param missingEosPenalty added to the score of responses that did not end (0 = none)
 */
public record PpoSettings(int steps, int rolloutBatch, int miniBatch, int epochs, double learningRate, double beta,
                          double klTarget, double klHorizon, Regulariser regulariser, double gamma, double lambda,
                          double clip, double valueClip, double vfCoef, double maxGradNorm, int maxNewTokens,
                          double temperature, double topP, double missingEosPenalty, long seed) {
    public PpoSettings {
        if (steps < 1 || rolloutBatch < 1 || miniBatch < 1 || epochs < 1 || maxNewTokens < 1) {
            throw new HeteroloraException("PPO steps, batch sizes, epochs and --max-new-tokens must be >= 1");
        }
        if (!(learningRate > 0) || !(beta >= 0) || !(klTarget >= 0) || !(klHorizon > 0) || !(clip > 0)
                || !(valueClip > 0) || !(vfCoef >= 0) || !(maxGradNorm > 0) || !(temperature > 0)
                || !(gamma > 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1) || !(topP > 0 && topP <= 1)) {
            throw new HeteroloraException("PPO settings out of range (learning rate, beta, clip, value clip, gamma, "
                    + "lambda, temperature, top-p and gradient clip must be positive; gamma, lambda and top-p at most 1)");
        }
    }

    /** The paper's defaults, with batch sizes and learning rate that work on the embedded world. */
    public static PpoSettings defaults() {
        return new PpoSettings(40, 32, 16, 2, 1e-4, 0.02, 0, 10_000, Regulariser.KL, 1.0, 0.95, 0.2, 0.2, 0.1, 1.0,
                12, 1.0, 1.0, 0, 0);
    }

    public PpoSettings withSteps(int n) {
        return new PpoSettings(n, rolloutBatch, miniBatch, epochs, learningRate, beta, klTarget, klHorizon, regulariser,
                gamma, lambda, clip, valueClip, vfCoef, maxGradNorm, maxNewTokens, temperature, topP, missingEosPenalty,
                seed);
    }

    public PpoSettings withRegulariser(Regulariser r) {
        return new PpoSettings(steps, rolloutBatch, miniBatch, epochs, learningRate, r == Regulariser.NONE ? 0 : beta,
                klTarget, klHorizon, r, gamma, lambda, clip, valueClip, vfCoef, maxGradNorm, maxNewTokens, temperature,
                topP, missingEosPenalty, seed);
    }

    public PpoSettings withSeed(long s) {
        return new PpoSettings(steps, rolloutBatch, miniBatch, epochs, learningRate, beta, klTarget, klHorizon,
                regulariser, gamma, lambda, clip, valueClip, vfCoef, maxGradNorm, maxNewTokens, temperature, topP,
                missingEosPenalty, s);
    }

    public PpoSettings withLearningRate(double lr) {
        return new PpoSettings(steps, rolloutBatch, miniBatch, epochs, lr, beta, klTarget, klHorizon, regulariser,
                gamma, lambda, clip, valueClip, vfCoef, maxGradNorm, maxNewTokens, temperature, topP, missingEosPenalty,
                seed);
    }

    /** The KL coefficient controller these settings describe. */
    public KlController klController() {
        double b = regulariser == Regulariser.NONE ? 0 : beta;
        return klTarget > 0 ? KlController.adaptive(b, klTarget, klHorizon) : KlController.fixed(b);
    }
}
