package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model's {@code tokenizer.json} loaded through DJL's HuggingFace tokenizers, with the special-token handling the
 * file itself declares (its post-processor), as transformers' fast tokenizers do.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads {@code tokenizer.json} from a model directory. */
    public static TextTokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new HeteroloraException("no tokenizer.json in " + modelDir + ": text needs the model's tokenizer");
        }
        try {
            return new TextTokenizer(HuggingFaceTokenizer.builder().optTokenizerPath(file)
                    .optTruncation(false).optPadding(false).build());
        } catch (IOException | RuntimeException e) {
            throw new HeteroloraException("cannot load tokenizer " + file + ": " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        return s == null ? "unknown error" : s.lines().findFirst().orElse("");
    }

    /** Token ids of {@code text}. */
    public int[] encode(String text) {
        Encoding e = tokenizer.encode(text);
        return Arrays.stream(e.getIds()).mapToInt(Math::toIntExact).toArray();
    }

    /** Text of {@code ids}, special tokens skipped. */
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
