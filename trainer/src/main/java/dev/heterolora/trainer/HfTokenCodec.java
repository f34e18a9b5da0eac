package dev.heterolora.trainer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model directory's {@code tokenizer.json} (DJL's HF tokenizers) as a {@link TokenCodec}. BOS and EOS come from
 * {@code config.json}; a BOS is prepended to prompts only when the tokenizer's own post-processor adds one (as
 * transformers would), so GPT-2-style tokenizers get none.
 */
public final class HfTokenCodec implements TokenCodec, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int bos;
    private final int eos;
    private final int vocab;

    private HfTokenCodec(HuggingFaceTokenizer tokenizer, int bos, int eos, int vocab) {
        this.tokenizer = tokenizer;
        this.bos = bos;
        this.eos = eos;
        this.vocab = vocab;
    }

    /** Loads {@code dir/tokenizer.json}; special ids from {@code config}. */
    public static HfTokenCodec load(Path dir, ModelConfig config) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new HeteroloraException("no tokenizer.json in " + dir + ": training on text needs the model's tokenizer");
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false)
                    .optTruncation(false).optPadding(false).build();
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new HeteroloraException("cannot load tokenizer " + file + ": " + msg);
        }
        // the EOS ends every training sequence; a BOS only matters when the tokenizer adds one (as in transformers)
        requireInVocabulary(dir, "eos_token_id", config.eosTokenId(), config.vocabSize(), tok);
        long[] withSpecial = tok.encode("a", true, false).getIds();
        boolean addsBos = withSpecial.length > 0 && withSpecial[0] == config.bosTokenId()
                && config.bosTokenId() != config.eosTokenId();
        if (addsBos) {
            requireInVocabulary(dir, "bos_token_id", config.bosTokenId(), config.vocabSize(), tok);
        }
        return new HfTokenCodec(tok, addsBos ? config.bosTokenId() : -1, config.eosTokenId(), config.vocabSize());
    }

    /** Small test models on the Hub often keep GPT-2's 50256 with a tiny vocabulary: an embedding lookup would fail. */
    private static void requireInVocabulary(Path dir, String key, int id, int vocab, HuggingFaceTokenizer tok) {
        if (id < 0 || id >= vocab) {
            tok.close();
            throw new HeteroloraException(dir.resolve("config.json") + ": " + key + " " + id
                    + " is outside the vocabulary (" + vocab + " tokens)");
        }
    }

    @Override
    public int[] encode(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        int[] ids = Arrays.stream(e.getIds()).mapToInt(Math::toIntExact).toArray();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new HeteroloraException("tokenizer produced id " + id + " outside the model's vocabulary of " + vocab);
            }
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), true);
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public int padId() {
        return 0;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
