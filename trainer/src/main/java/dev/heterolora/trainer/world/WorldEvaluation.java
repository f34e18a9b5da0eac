package dev.heterolora.trainer.world;

import dev.heterolora.model.CausalLM;
import dev.heterolora.trainer.Sampler;
import dev.heterolora.trainer.TokenCodec;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A policy judged by the {@link Oracle} on held-out tasks: accuracy, style rate, factuality (accuracy on the fact
 * questions), mean preference score, per-kind accuracy, and the responses themselves (for win-rates).
 *
 * @param accuracy fraction of tasks answered correctly
 * @param styleRate fraction of responses that follow the style rule
 * @param factAccuracy accuracy on the {@link TaskKind#FACT} tasks (NaN when there are none)
 * @param meanScore mean {@link Oracle#score}
 * @param endedRate fraction of responses that ended with EOS within the token limit
 */
public record WorldEvaluation(double accuracy, double styleRate, double factAccuracy, double meanScore,
                              double endedRate, Map<TaskKind, Double> accuracyByKind, List<String> responses) {

    /** Samples one response per task at {@code temperature} (0 = greedy) and judges them. */
    public static WorldEvaluation run(CausalLM policy, TokenCodec codec, List<Task> tasks, double temperature,
                                      long seed, int maxNewTokens, int batchSize) {
        List<Sampler.Sample> samples = Sampler.sample(policy, codec, tasks.stream().map(Task::prompt).toList(),
                maxNewTokens, temperature, seed, batchSize);
        return judge(tasks, samples.stream().map(Sampler.Sample::text).toList(),
                samples.stream().filter(Sampler.Sample::ended).count() / (double) Math.max(1, samples.size()));
    }

    /** Judges given responses to {@code tasks} (same order). */
    public static WorldEvaluation judge(List<Task> tasks, List<String> responses, double endedRate) {
        int correct = 0;
        int styled = 0;
        double score = 0;
        Map<TaskKind, int[]> byKind = new EnumMap<>(TaskKind.class);
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            String r = responses.get(i);
            boolean ok = Oracle.correct(t, r);
            correct += ok ? 1 : 0;
            styled += Oracle.followsStyle(r) ? 1 : 0;
            score += Oracle.score(t, r);
            int[] c = byKind.computeIfAbsent(t.kind(), k -> new int[2]);
            c[0] += ok ? 1 : 0;
            c[1]++;
        }
        Map<TaskKind, Double> acc = new EnumMap<>(TaskKind.class);
        byKind.forEach((k, c) -> acc.put(k, c[0] / (double) c[1]));
        int n = Math.max(1, tasks.size());
        return new WorldEvaluation(correct / (double) n, styled / (double) n,
                acc.getOrDefault(TaskKind.FACT, Double.NaN), score / n, endedRate, acc, List.copyOf(responses));
    }
}
