package dev.heterolora.trainer.ppo;

import static dev.heterolora.trainer.Scopes.moveTo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.TokenScores;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.AdamW;
import dev.heterolora.trainer.BatchOrder;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.Sampler;
import dev.heterolora.model.Precision;
import dev.heterolora.trainer.StepListener;
import dev.heterolora.trainer.TokenCodec;
import dev.heterolora.trainer.TrainLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * LoRA-PPO: rollouts at temperature 1 from the policy, per-token reward −β·d_t plus the reward model's score on the
 * last response token, masked reward whitening, GAE, masked advantage whitening, clipped policy and value losses,
 * AdamW with global-norm clipping. Only the given trainable parameters (the plan's adapters, or every weight for
 * full fine-tuning) and the {@link ValueFunction}'s parameters are updated.
 *
 * <p>The reference is the policy's own weights with adapters switched off (no copy), unless a separate frozen
 * reference model is given (full fine-tuning).
 */
public final class PpoTrainer implements AutoCloseable {
    /** The optimizer state's file in a checkpoint (AdamW moments and step count). */
    public static final String STATE_FILE = "optimizer.safetensors";
    /** The KL coefficient's file in a checkpoint (β changes during a run under the adaptive controller). */
    public static final String BETA_FILE = "beta.txt";

    /**
     * Sequence-KL estimate (nats) below which a step counts as negative for the warning: right after the start the
     * policy equals the reference and the sampled k1 wobbles around 0 by a few thousandths, which is noise.
     */
    static final double NEGATIVE_KL_WARNING = -0.05;

    private final CausalLM policy;
    private final CausalLM reference;
    private final RewardModel reward;
    private final TokenCodec codec;
    private final PpoSettings settings;
    private final ValueFunction value;
    private final List<Parameter> trainable;
    private final AdamW optimizer;
    private final KlController kl;
    private int negativeKlSteps;

    /**
     * @param trainable the policy parameters to train (from {@code Tuning.prepare})
     * @param reference null to use the policy with adapters off
     * @param value the critic (owned by the caller), trained alongside
     */
    public PpoTrainer(CausalLM policy, CausalLM reference, RewardModel reward, ValueFunction value, TokenCodec codec,
                      List<Parameter> trainable, PpoSettings settings) {
        if (reference == null && policy.adapters().isEmpty()) {
            throw new HeteroloraException("the policy has no adapters, so it needs a separate frozen reference model");
        }
        this.policy = policy;
        this.reference = reference;
        this.reward = reward;
        this.codec = codec;
        this.settings = settings;
        this.value = value;
        this.trainable = new ArrayList<>(trainable);
        this.trainable.addAll(value.parameters());
        this.optimizer = new AdamW(this.trainable, AdamW.Settings.withWeightDecay(0.0));
        this.kl = settings.klController();
    }

    /** Writes the optimizer's moments and the KL coefficient into the checkpoint folder {@code dir}. */
    public void saveState(Path dir) {
        optimizer.saveState(dir.resolve(STATE_FILE));
        try {
            Files.writeString(dir.resolve(BETA_FILE), Double.toString(kl.beta()));
        } catch (IOException e) {
            throw new HeteroloraException("cannot write " + dir.resolve(BETA_FILE) + ": " + e.getMessage());
        }
    }

    /** Restores what {@link #saveState} wrote (resuming a run exactly where it stopped). */
    public void loadState(Path dir) {
        optimizer.loadState(dir.resolve(STATE_FILE));
        try {
            kl.restore(Double.parseDouble(Files.readString(dir.resolve(BETA_FILE)).trim()));
        } catch (IOException | NumberFormatException e) {
            throw new HeteroloraException("cannot read the KL coefficient of checkpoint " + dir + ": "
                    + e.getMessage());
        }
    }

    /** Everything the optimizer updates: the policy's trainable parameters, then the value function's. */
    public List<Parameter> trainableParameters() {
        return Collections.unmodifiableList(trainable);
    }

    /** The current KL coefficient. */
    public double beta() {
        return kl.beta();
    }

    /**
     * Runs steps {@code fromStep} … {@code steps − 1} (resuming), with the prompt order an uninterrupted run has;
     * each step's record goes to {@code listener} as soon as the step is done.
     */
    public void train(List<String> prompts, StepListener<? super PpoStep> listener, int fromStep) {
        List<String> order = new ArrayList<>(prompts);
        Collections.shuffle(order, new Random(settings.seed()));
        int at = fromStep * settings.rolloutBatch();
        for (int step = fromStep; step < settings.steps(); step++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < settings.rolloutBatch(); i++) {
                batch.add(order.get(at++ % order.size()));
            }
            listener.onStep(step(step, batch));
        }
    }

    /** One rollout batch and its PPO epochs. */
    public PpoStep step(int step, List<String> prompts) {
        long start = System.nanoTime();
        List<Sampler.Sample> samples = Sampler.sample(policy, codec, prompts, settings.maxNewTokens(),
                settings.temperature(), settings.topP(), settings.seed() * 1_000_003L + step, prompts.size());
        double rolloutSeconds = (System.nanoTime() - start) / 1e9;
        Rollout r = Rollout.of(prompts, samples, codec);
        double beta = kl.beta();
        float[] score;
        double entropy;
        double seqKl;
        double k2;
        double k3;
        double js;
        double penalty;
        PpoUpdate updates;
        try (NDManager scope = policy.manager().newSubManager()) {
            Rollout.Arrays a = r.arrays(scope);
            NDArray mask = a.responseMask();
            // old log-probs, values, the reference's log-probs and the scores, no gradient. DJL frees an op's output
            // only with its manager, so each forward runs on its own copy of the inputs in a sub-scope (its
            // activations go with it) and only the per-token results are kept: the peak is one forward, not four.
            NDArray oldLogp;
            NDArray oldValues;
            NDArray logAll = null;
            boolean exact = settings.regulariser().needsFullDistributions();
            NDArray hidden;
            try (NDManager fwd = scope.newSubManager()) {
                Rollout.Arrays f = r.arrays(fwd);
                hidden = moveTo(policy.hidden(f.ids(), f.attention(), null, false), scope);
                TokenScores own = shiftedScores(policy, hidden, f.targets(), true);
                oldLogp = moveTo(own.logProbs(), scope);
                entropy = PpoMath.maskedMean(own.entropy(), f.responseMask()).getFloat();
                if (exact) {
                    logAll = moveTo(shiftedLogProbs(policy, hidden), scope);
                }
            }
            try (NDManager fwd = scope.newSubManager()) {
                Rollout.Arrays f = r.arrays(fwd);
                oldValues = moveTo(value.values(f.ids(), f.attention(), hidden, false).mul(f.responseMask()), scope);
            }
            NDArray refLogp;
            NDArray divergence;
            try (NDManager fwd = scope.newSubManager()) {
                Rollout.Arrays f = r.arrays(fwd);
                if (exact) {
                    NDArray refAll = referenceLogProbs(policy, reference, f.ids(), f.attention());
                    refLogp = moveTo(gather(refAll, f.targets()), scope);
                    divergence = moveTo(settings.regulariser().exact(logAll, refAll).mul(mask), scope);
                } else {
                    refLogp = moveTo(onReference(policy, reference, m -> shiftedScores(m,
                            m.hidden(f.ids(), f.attention(), null, false), f.targets(), false).logProbs()), scope);
                    divergence = moveTo(settings.regulariser().perToken(oldLogp, refLogp).mul(mask), scope);
                }
            }
            try (NDManager fwd = scope.newSubManager()) {
                Rollout.Arrays f = r.arrays(fwd);
                score = reward.rewards(f.ids(), f.attention(), false).toFloatArray();
            }
            checkFinite(step, "reward", mean(score));
            for (int i = 0; i < score.length; i++) {
                if (!samples.get(i).ended()) {
                    score[i] += (float) settings.missingEosPenalty();
                }
            }
            NDArray scoreAtEnd = a.lastResponse().mul(scope.create(score, new Shape(score.length, 1)));
            NDArray rewards = divergence.mul((float) -beta).add(scoreAtEnd).mul(mask);
            rewards = PpoMath.whiten(rewards, mask, false);
            NDArray[] gae = PpoMath.gae(rewards, oldValues, mask, settings.gamma(), settings.lambda());
            NDArray advantages = PpoMath.whiten(gae[0], mask, true);
            seqKl = sequenceMean(oldLogp.sub(refLogp), mask);
            k2 = sequenceMean(Regulariser.K2.perToken(oldLogp, refLogp), mask);
            k3 = sequenceMean(Regulariser.K3.perToken(oldLogp, refLogp), mask);
            js = sequenceMean(Regulariser.JS.perToken(oldLogp, refLogp), mask);
            penalty = divergence.sum(new int[] {1}).mean().getFloat();
            updates = optimise(step, new Experience(a, oldLogp, oldValues, advantages, gae[1]));
        }
        kl.update(seqKl, prompts.size());
        if (seqKl < NEGATIVE_KL_WARNING) {
            negativeKlSteps++;
            if (negativeKlSteps == 3) {
                System.err.println("warning: the k1 KL estimate has been below " + NEGATIVE_KL_WARNING
                        + " for 3 steps in a row (a known precursor of PPO failure)");
            }
        } else {
            negativeKlSteps = 0;
        }
        return new PpoStep(step, rolloutSeconds, samples.stream().mapToInt(x -> x.tokens().length).sum(),
                mean(score), std(score), seqKl, k2, k3, js, penalty, entropy, r.meanResponseLength(), beta, updates,
                (System.nanoTime() - start) / 1e9);
    }

    /** The rollout batch's arrays that PPO's updates read, fixed during the epochs. */
    private record Experience(Rollout.Arrays arrays, NDArray oldLogp, NDArray oldValues, NDArray advantages,
                              NDArray returns) {}

    /** A minibatch's clipped PPO loss as {@link TrainLoop} takes it, with its parts for the record. */
    private record MinibatchLoss(NDArray value, PpoMath.PolicyLoss policy, NDArray valueLoss, NDArray logp,
                                 NDArray oldLogp, NDArray mask) implements TrainLoop.Loss<PpoUpdate> {
        @Override
        public PpoUpdate record(int update, float loss, double gradNorm) {
            return new PpoUpdate(policy.loss().getFloat(), valueLoss.getFloat(), policy.clipFraction().getFloat(),
                    policy.approxKl().getFloat(), gradNorm);
        }

        @Override
        public String diagnosis() {
            return String.format("policy loss %s, value loss %s, largest log-ratio %s", policy.loss().getFloat(),
                    valueLoss.getFloat(), logp.sub(oldLogp).mul(mask).abs().max().getFloat());
        }
    }

    /**
     * The PPO epochs over one rollout batch: {@link TrainLoop} updates on minibatches in an order seeded by the
     * step; returns the means of their figures.
     */
    private PpoUpdate optimise(int step, Experience experience) {
        int rows = Math.toIntExact(experience.arrays().ids().getShape().get(0));
        BatchOrder order = BatchOrder.reshuffling(rows, settings.miniBatch(), new Random(settings.seed() * 31 + step));
        List<PpoUpdate> updates = new ArrayList<>();
        new TrainLoop(policy.manager(), optimizer, settings.maxGradNorm(), "PPO step " + step + ", update ")
                .run(settings.epochs() * order.batchesPerPass(), order, u -> settings.learningRate(),
                        (scope, pick) -> minibatchLoss(scope, pick, experience), updates::add);
        return PpoUpdate.mean(updates);
    }

    /** Policy loss + vfCoef · value loss of the rows {@code pick}, whose inputs are sliced into {@code scope}. */
    private MinibatchLoss minibatchLoss(NDManager scope, List<Integer> pick, Experience e) {
        NDIndex rows = new NDIndex("{}", scope.create(pick.stream().mapToLong(Integer::longValue).toArray()));
        NDArray ids = e.arrays().ids().get(scope, rows);
        NDArray att = e.arrays().attention().get(scope, rows);
        NDArray mask = e.arrays().responseMask().get(scope, rows);
        NDArray oldLogp = e.oldLogp().get(scope, rows);
        NDArray hidden = policy.hidden(ids, att, null, true);
        NDArray logp = shiftedScores(policy, hidden, e.arrays().targets().get(scope, rows), false).logProbs();
        NDArray v = value.values(ids, att, hidden, true);
        PpoMath.PolicyLoss pl = PpoMath.policyLoss(logp, oldLogp, e.advantages().get(scope, rows), mask,
                settings.clip());
        NDArray vl = PpoMath.valueLoss(v, e.oldValues().get(scope, rows), e.returns().get(scope, rows), mask,
                settings.valueClip());
        return new MinibatchLoss(pl.loss().add(vl.mul(Precision.scalar(vl, settings.vfCoef()))), pl, vl, logp, oldLogp,
                mask);
    }

    /** Per-sequence sum over response tokens of {@code perToken}, mean over the sequences. */
    private static double sequenceMean(NDArray perToken, NDArray mask) {
        return perToken.mul(mask).sum(new int[] {1}).mean().getFloat();
    }

    private static void checkFinite(int step, String what, double v) {
        if (!Double.isFinite(v)) {
            throw new HeteroloraException("non-finite " + what + " at PPO step " + step + "; the run stops here");
        }
    }

    /**
     * The log-probabilities [batch, t-1] of {@code targets} (each next token) and, when asked, the entropies of the
     * distributions they are drawn from, without the whole-vocabulary log-softmax ({@link TokenScores}); under a
     * gradient collector the log-probabilities are differentiable.
     */
    public static TokenScores shiftedScores(CausalLM model, NDArray hidden, NDArray targets, boolean entropy) {
        return TokenScores.of(model, hidden.get(new NDIndex(":, :-1, :")), targets, entropy);
    }

    /** log-softmax of the logits that predict each next token: [batch, t-1, vocab] (exact regularisers need it). */
    static NDArray shiftedLogProbs(CausalLM model, NDArray hidden) {
        return model.logits(hidden.get(new NDIndex(":, :-1, :"))).toType(DataType.FLOAT32, false).logSoftmax(2);
    }

    /** The log-probabilities [batch, t-1] of the target tokens. */
    static NDArray gather(NDArray logAll, NDArray targets) {
        return logAll.gather(targets.expandDims(2), 2).squeeze(2);
    }

    /**
     * The reference's shifted log-probabilities [batch, t-1, vocab]: the frozen {@code reference} if given, else
     * the policy itself with its adapters switched off (same weights, no copy).
     */
    static NDArray referenceLogProbs(CausalLM policy, CausalLM reference, NDArray ids, NDArray attention) {
        return onReference(policy, reference, m -> shiftedLogProbs(m, m.hidden(ids, attention, null, false)));
    }

    /** {@code work} on the reference: the frozen {@code reference} if given, else the policy with adapters off. */
    private static <T> T onReference(CausalLM policy, CausalLM reference, Function<CausalLM, T> work) {
        return reference != null ? work.apply(reference) : policy.withAdaptersOff(() -> work.apply(policy));
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
