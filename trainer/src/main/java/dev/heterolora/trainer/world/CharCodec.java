package dev.heterolora.trainer.world;

import dev.heterolora.trainer.TokenCodec;

/**
 * The world's {@link CharTokenizer} as a {@link TokenCodec}: no BOS (the tokenizer.json has no post-processor, so
 * a model directory's own tokenizer gives the same ids), EOS ends a response, PAD pads.
 */
public final class CharCodec implements TokenCodec {
    /** The one instance. */
    public static final CharCodec INSTANCE = new CharCodec();

    private CharCodec() {}

    @Override
    public int[] encode(String text) {
        return CharTokenizer.encode(text);
    }

    @Override
    public String decode(int[] ids) {
        return CharTokenizer.decode(ids);
    }

    @Override
    public int bosId() {
        return -1;
    }

    @Override
    public int eosId() {
        return CharTokenizer.EOS;
    }

    @Override
    public int padId() {
        return CharTokenizer.PAD;
    }

    @Override
    public int vocabSize() {
        return CharTokenizer.VOCAB_SIZE;
    }
}
