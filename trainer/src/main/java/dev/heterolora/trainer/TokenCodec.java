package dev.heterolora.trainer;

import java.util.Arrays;

/**
 * Text ↔ token ids for training, with the special tokens made explicit: a sequence is
 * {@code [BOS] + prompt + response + EOS}, so prompt and response are encoded separately without special tokens.
 */
public interface TokenCodec {

    /** Ids of {@code text}, no special tokens added. */
    int[] encode(String text);

    /** Text of {@code ids}, special tokens (and anything after an EOS) dropped. */
    String decode(int[] ids);

    /** Beginning-of-sequence id, or -1 when sequences do not start with one. */
    int bosId();

    /** End-of-sequence id (what generation stops at). */
    int eosId();

    /** Id used for padding (masked out, any valid id works). */
    int padId();

    /** Size of the vocabulary. */
    int vocabSize();

    /** A prompt as the model sees it: BOS (if any) + its tokens. */
    default int[] promptTokens(String prompt) {
        int[] p = encode(prompt);
        if (bosId() < 0) {
            return p;
        }
        int[] out = new int[p.length + 1];
        out[0] = bosId();
        System.arraycopy(p, 0, out, 1, p.length);
        return out;
    }

    /** A response as trained on: its tokens + EOS. */
    default int[] responseTokens(String response) {
        int[] r = encode(response);
        int[] out = Arrays.copyOf(r, r.length + 1);
        out[r.length] = eosId();
        return out;
    }

    /** Text of generated response tokens: up to (not including) the first EOS. */
    default String decodeResponse(int[] generated) {
        int end = 0;
        while (end < generated.length && generated[end] != eosId()) {
            end++;
        }
        return decode(Arrays.copyOf(generated, end));
    }

    /** Concatenation of two id arrays. */
    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
