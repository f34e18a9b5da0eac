package dev.heterolora.cli;

import dev.heterolora.trainer.ppo.PpoSettings;
import dev.heterolora.trainer.ppo.Regulariser;
import dev.heterolora.trainer.ppo.ValueSetup;
import picocli.CommandLine.Option;

/** PPO's flags, each defaulting to {@link PpoSettings#defaults()}. */
final class PpoOptions {
    private static final PpoSettings D = PpoSettings.defaults();

    @Option(names = "--steps", description = "rollout batches (default: 40)")
    Integer steps;

    @Option(names = "--rollout-batch", description = "prompts per rollout batch (default: 32)")
    Integer rolloutBatch;

    @Option(names = "--mini-batch", description = "rows per gradient step (default: 16)")
    Integer miniBatch;

    @Option(names = "--ppo-epochs", description = "PPO epochs per rollout batch (default: 2)")
    Integer epochs;

    @Option(names = "--lr", description = "AdamW learning rate (default: 1e-4)")
    Double lr;

    @Option(names = "--beta", description = "KL coefficient (default: 0.02)")
    Double beta;

    @Option(names = "--kl-target", description = "adaptive KL controller target (0 = fixed beta; AlpacaFarm: 6)")
    Double klTarget;

    @Option(names = "--kl-horizon", description = "adaptive KL controller horizon (default: 10000)")
    Double klHorizon;

    @Option(names = "--regulariser", description = "kl, clamped-kl, k2, k3, js, none, kl-exact, js-exact "
            + "(default: kl)")
    String regulariser;

    @Option(names = "--gamma", description = "GAE discount (default: 1.0)")
    Double gamma;

    @Option(names = "--lambda", description = "GAE lambda (default: 0.95)")
    Double lambda;

    @Option(names = "--clip", description = "policy ratio clip (default: 0.2)")
    Double clip;

    @Option(names = "--value-clip", description = "value clip (default: 0.2)")
    Double valueClip;

    @Option(names = "--vf-coef", description = "value loss coefficient (default: 0.1)")
    Double vfCoef;

    @Option(names = "--max-grad-norm", description = "global-norm gradient clipping (default: 1.0)")
    Double maxGradNorm;

    @Option(names = "--max-new-tokens", description = "response length limit (default: 12)")
    Integer maxNewTokens;

    @Option(names = "--temperature", description = "rollout sampling temperature (default: 1.0)")
    Double temperature;

    @Option(names = "--top-p", description = "rollout nucleus sampling (default: 1.0 = plain sampling)")
    Double topP;

    @Option(names = "--missing-eos-penalty", description = "added to the score of responses without an end token "
            + "(default: 0 = none)")
    Double missingEosPenalty;

    @Option(names = "--value", paramLabel = "KIND", description = "separate (a value model grown from the reward "
            + "model, with its own adapters; the paper's) or shared (a head on the policy) (default: separate)")
    String value;

    @Option(names = "--value-rank", description = "LoRA rank of the separate value model (default: 8)")
    Integer valueRank;

    @Option(names = "--seed", defaultValue = "0", description = "run seed (default: ${DEFAULT-VALUE})")
    long seed;

    PpoSettings settings() {
        Regulariser r = regulariser == null ? D.regulariser() : Regulariser.parse(regulariser);
        return new PpoSettings(or(steps, D.steps()), or(rolloutBatch, D.rolloutBatch()), or(miniBatch, D.miniBatch()),
                or(epochs, D.epochs()), or(lr, D.learningRate()), r == Regulariser.NONE ? 0 : or(beta, D.beta()),
                or(klTarget, D.klTarget()), or(klHorizon, D.klHorizon()), r, or(gamma, D.gamma()),
                or(lambda, D.lambda()), or(clip, D.clip()), or(valueClip, D.valueClip()), or(vfCoef, D.vfCoef()),
                or(maxGradNorm, D.maxGradNorm()), or(maxNewTokens, D.maxNewTokens()),
                or(temperature, D.temperature()), or(topP, D.topP()), or(missingEosPenalty, D.missingEosPenalty()), seed);
    }

    ValueSetup value() {
        ValueSetup d = ValueSetup.defaults();
        return new ValueSetup(value == null ? d.kind() : ValueSetup.parseKind(value), or(valueRank, d.rank()));
    }

    /**
     * The flags that reproduce {@code s} and {@code v} exactly: how {@code experiment rlhf} hands a variant to a
     * child {@code train}.
     */
    static java.util.List<String> arguments(PpoSettings s, ValueSetup v) {
        return java.util.List.of("--steps", String.valueOf(s.steps()), "--rollout-batch",
                String.valueOf(s.rolloutBatch()), "--mini-batch", String.valueOf(s.miniBatch()), "--ppo-epochs",
                String.valueOf(s.epochs()), "--lr", String.valueOf(s.learningRate()), "--beta",
                String.valueOf(s.beta()), "--kl-target", String.valueOf(s.klTarget()), "--kl-horizon",
                String.valueOf(s.klHorizon()), "--regulariser", s.regulariser().id(), "--gamma",
                String.valueOf(s.gamma()), "--lambda", String.valueOf(s.lambda()), "--clip", String.valueOf(s.clip()),
                "--value-clip", String.valueOf(s.valueClip()), "--vf-coef", String.valueOf(s.vfCoef()),
                "--max-grad-norm", String.valueOf(s.maxGradNorm()), "--max-new-tokens", String.valueOf(s.maxNewTokens()),
                "--temperature", String.valueOf(s.temperature()), "--top-p", String.valueOf(s.topP()),
                "--missing-eos-penalty", String.valueOf(s.missingEosPenalty()), "--seed", String.valueOf(s.seed()),
                "--value", v.kind().id(), "--value-rank", String.valueOf(v.rank()));
    }

    private static int or(Integer v, int d) {
        return v != null ? v : d;
    }

    private static double or(Double v, double d) {
        return v != null ? v : d;
    }
}
