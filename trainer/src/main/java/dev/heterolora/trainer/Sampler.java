package dev.heterolora.trainer;

import dev.heterolora.model.CausalLM;
import dev.heterolora.model.Generator;
import java.util.ArrayList;
import java.util.List;

/** Batched sampling of responses to text prompts (KV-cached {@link Generator}), decoded up to the first EOS. */
public final class Sampler {
    private Sampler() {}

    /** One sampled response: its generated ids (EOS included when produced) and its text. */
    public record Sample(int[] tokens, String text, boolean ended) {}

    /**
     * Samples one response per prompt, {@code batchSize} prompts per generation call; batch {@code i} uses seed
     * {@code seed + i}, so the result depends only on the arguments.
     */
    public static List<Sample> sample(CausalLM model, TokenCodec codec, List<String> prompts, int maxNewTokens,
                                      double temperature, long seed, int batchSize) {
        return sample(model, codec, prompts, maxNewTokens, temperature, 1.0, seed, batchSize);
    }

    /** As {@link #sample(CausalLM, TokenCodec, List, int, double, long, int)}, with nucleus sampling at {@code topP}. */
    public static List<Sample> sample(CausalLM model, TokenCodec codec, List<String> prompts, int maxNewTokens,
                                      double temperature, double topP, long seed, int batchSize) {
        List<Sample> out = new ArrayList<>(prompts.size());
        for (int start = 0, batch = 0; start < prompts.size(); start += batchSize, batch++) {
            List<int[]> ids = prompts.subList(start, Math.min(prompts.size(), start + batchSize)).stream()
                    .map(codec::promptTokens).toList();
            Generator.Settings settings = new Generator.Settings(maxNewTokens, temperature, 0, topP, seed + batch,
                    codec.eosId());
            for (int[] g : Generator.generate(model, ids, settings)) {
                boolean ended = g.length > 0 && g[g.length - 1] == codec.eosId();
                out.add(new Sample(g, codec.decodeResponse(g), ended));
            }
        }
        return out;
    }
}
