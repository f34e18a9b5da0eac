package dev.heterolora.trainer;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.world.Preference;

/** A tokenised preference pair: the full chosen and rejected sequences (prompt + response, as scored). */
public record PairExample(int[] chosen, int[] rejected) {
    public PairExample {
        if (chosen.length == 0 || rejected.length == 0) {
            throw new HeteroloraException("a preference pair needs non-empty sequences");
        }
    }

    /** Tokenises a text pair: BOS? + prompt + response + EOS for each side. */
    public static PairExample of(TokenCodec codec, Preference p) {
        int[] prompt = codec.promptTokens(p.prompt());
        return new PairExample(TokenCodec.concat(prompt, codec.responseTokens(p.chosen())),
                TokenCodec.concat(prompt, codec.responseTokens(p.rejected())));
    }
}
