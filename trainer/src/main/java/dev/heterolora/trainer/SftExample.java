package dev.heterolora.trainer;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.trainer.world.Demonstration;

/**
 * A tokenised supervised example: the prompt part (BOS included if the model uses one) and the response part
 * (EOS included); only the response tokens are trained on.
 */
public record SftExample(int[] prompt, int[] response) {
    public SftExample {
        if (prompt.length == 0) {
            throw new HeteroloraException("an SFT example needs at least one prompt token (or a BOS)");
        }
        if (response.length == 0) {
            throw new HeteroloraException("an SFT example needs at least one response token");
        }
    }

    /** Tokenises a text example: BOS? + prompt, response + EOS. */
    public static SftExample of(TokenCodec codec, Demonstration d) {
        return new SftExample(codec.promptTokens(d.prompt()), codec.responseTokens(d.response()));
    }

    public int length() {
        return prompt.length + response.length;
    }
}
