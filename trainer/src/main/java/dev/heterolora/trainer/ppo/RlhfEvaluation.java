package dev.heterolora.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.heterolora.model.CausalLM;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.Sampler;
import dev.heterolora.trainer.TokenCodec;
import dev.heterolora.trainer.world.Oracle;
import dev.heterolora.trainer.world.Task;
import dev.heterolora.trainer.world.TaskKind;
import java.util.Arrays;
import java.util.List;

/**
 * How an aligned policy does on held-out prompts, judged by the embedded world's oracle: win-rate against the SFT
 * policy (oracle preference, ties count half), mean reward-model score, factuality (accuracy on the fact questions),
 * overall accuracy, and the mean sequence KL to the reference.
 */
public record RlhfEvaluation(double winRate, double meanReward, double factuality, double accuracy,
                             double klToReference) {

    /**
     * Samples the policy and the SFT model (the policy with adapters off when {@code sft} is null) on the same
     * prompts with the same seed at {@code temperature}.
     */
    public static RlhfEvaluation run(CausalLM policy, CausalLM sft, RewardModel reward, TokenCodec codec,
                                     List<Task> tasks, double temperature, long seed, int maxNewTokens, int batch) {
        List<String> prompts = tasks.stream().map(Task::prompt).toList();
        List<Sampler.Sample> ours = Sampler.sample(policy, codec, prompts, maxNewTokens, temperature, seed, batch);
        List<Sampler.Sample> theirs;
        if (sft == null) {
            theirs = policy.withAdaptersOff(() -> Sampler.sample(policy, codec, prompts, maxNewTokens, temperature,
                    seed, batch));
        } else {
            theirs = Sampler.sample(sft, codec, prompts, maxNewTokens, temperature, seed, batch);
        }
        double wins = 0;
        int correct = 0;
        int facts = 0;
        int factsCorrect = 0;
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            double a = Oracle.score(t, ours.get(i).text());
            double b = Oracle.score(t, theirs.get(i).text());
            wins += a > b ? 1 : a == b ? 0.5 : 0;
            boolean ok = Oracle.correct(t, ours.get(i).text());
            correct += ok ? 1 : 0;
            if (t.kind() == TaskKind.FACT) {
                facts++;
                factsCorrect += ok ? 1 : 0;
            }
        }
        Rollout rollout = Rollout.of(prompts, ours, codec);
        float[] scores = reward.score(rollout.sequences(), batch);
        double meanReward = 0;
        for (float s : scores) {
            meanReward += s;
        }
        double kl = klToReference(policy, sft, rollout, batch);
        int n = Math.max(1, tasks.size());
        return new RlhfEvaluation(wins / n, meanReward / n, facts == 0 ? Double.NaN : factsCorrect / (double) facts,
                correct / (double) n, kl);
    }

    /** Mean over sequences of Σ_t (log p − log q) over the response tokens. */
    private static double klToReference(CausalLM policy, CausalLM sft, Rollout rollout, int batch) {
        double total = 0;
        int n = rollout.sequences().size();
        for (int start = 0; start < n; start += batch) {
            int end = Math.min(n, start + batch);
            Rollout part = new Rollout(rollout.sequences().subList(start, end),
                    Arrays.copyOfRange(rollout.promptLengths(), start, end),
                    Arrays.copyOfRange(rollout.responseLengths(), start, end));
            // one scope per forward (DJL frees activations with their manager): the peak is one forward
            double sumP;
            double sumQ;
            try (NDManager scope = policy.manager().newSubManager()) {
                Rollout.Arrays a = part.arrays(scope);
                sumP = tokenLogProbs(policy, a).mul(a.responseMask()).sum().getFloat();
            }
            try (NDManager scope = policy.manager().newSubManager()) {
                Rollout.Arrays a = part.arrays(scope);
                sumQ = (sft == null ? policy.withAdaptersOff(() -> tokenLogProbs(policy, a)) : tokenLogProbs(sft, a))
                        .mul(a.responseMask()).sum().getFloat();
            }
            total += sumP - sumQ;
        }
        return total / Math.max(1, n);
    }

    private static NDArray tokenLogProbs(CausalLM model, Rollout.Arrays a) {
        return PpoTrainer.shiftedScores(model, model.hidden(a.ids(), a.attention(), null, false), a.targets(), false)
                .logProbs();
    }

    /** A compact one-line summary. */
    @Override
    public String toString() {
        return String.format("win-rate %.3f, reward %.3f, factuality %.3f, accuracy %.3f, KL %.3f", winRate,
                meanReward, factuality, accuracy, klToReference);
    }
}
