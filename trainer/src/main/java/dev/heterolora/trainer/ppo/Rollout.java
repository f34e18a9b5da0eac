package dev.heterolora.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.heterolora.trainer.Sampler;
import dev.heterolora.trainer.TokenCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of prompt + sampled response sequences and where the responses are: PPO optimises the response tokens
 * only. Position t of the shifted arrays predicts token t+1.
 */
record Rollout(List<int[]> sequences, int[] promptLengths, int[] responseLengths) {

    /** The device arrays of a rollout: right-padded ids, attention mask, and [batch, t-1] targets and masks. */
    record Arrays(NDArray ids, NDArray attention, NDArray targets, NDArray responseMask, NDArray lastResponse) {}

    static Rollout of(List<String> prompts, List<Sampler.Sample> samples, TokenCodec codec) {
        List<int[]> seqs = new ArrayList<>();
        int[] p = new int[prompts.size()];
        int[] r = new int[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = codec.promptTokens(prompts.get(i));
            int[] response = samples.get(i).tokens();
            if (response.length == 0) {
                response = new int[] {codec.eosId()};
            }
            seqs.add(TokenCodec.concat(prompt, response));
            p[i] = prompt.length;
            r[i] = response.length;
        }
        return new Rollout(seqs, p, r);
    }

    double meanResponseLength() {
        double s = 0;
        for (int n : responseLengths) {
            s += n;
        }
        return s / responseLengths.length;
    }

    Arrays arrays(NDManager m) {
        int b = sequences.size();
        int width = sequences.stream().mapToInt(s -> s.length).max().orElse(2);
        long[] ids = new long[b * width];
        long[] att = new long[b * width];
        long[] targets = new long[b * (width - 1)];
        float[] resp = new float[b * (width - 1)];
        float[] last = new float[b * (width - 1)];
        for (int i = 0; i < b; i++) {
            int[] s = sequences.get(i);
            for (int t = 0; t < s.length; t++) {
                ids[i * width + t] = s[t];
                att[i * width + t] = 1;
            }
            for (int t = 0; t + 1 < width; t++) {
                targets[i * (width - 1) + t] = t + 1 < s.length ? s[t + 1] : 0;
                boolean inResponse = t + 1 >= promptLengths[i] && t + 1 < s.length;
                resp[i * (width - 1) + t] = inResponse ? 1 : 0;
            }
            last[i * (width - 1) + s.length - 2] = 1;
        }
        return new Arrays(m.create(ids, new Shape(b, width)), m.create(att, new Shape(b, width)),
                m.create(targets, new Shape(b, width - 1)), m.create(resp, new Shape(b, width - 1)),
                m.create(last, new Shape(b, width - 1)));
    }
}
