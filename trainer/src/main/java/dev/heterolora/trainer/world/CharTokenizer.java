package dev.heterolora.trainer.world;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The embedded world's character-level vocabulary, in pure Java and as a HuggingFace {@code tokenizer.json}.
 *
 * <p>It exists because a ~1M-parameter model cannot afford a large vocabulary, and because the world's model
 * directory must load like any other model's, through DJL's HuggingFace tokenizers. Ids: {@link #PAD},
 * {@link #BOS}, {@link #EOS}, {@link #UNK}, then the printable ASCII characters 32..126 in order. Every other
 * code point encodes to {@link #UNK}. Encoding adds no special tokens; the literal texts of the special tokens
 * ({@code <pad>}, {@code <bos>}, {@code <eos>}, {@code <unk>}) encode to their ids, as HuggingFace tokenizers
 * do with special tokens. Decoding skips the special ids (and ids outside the vocabulary) and concatenates the
 * characters, so printable ASCII text, spaces included, round-trips exactly.
 *
 * <p>The {@code tokenizer.json} is a WordLevel model over this vocabulary behind a {@code Split} pre-tokenizer
 * that isolates every code point, with a {@code Fuse} decoder (plain concatenation, where the default would join
 * tokens with spaces) and no normalizer or post-processor.
 */
public final class CharTokenizer {

    /** Padding id. */
    public static final int PAD = 0;
    /** Beginning-of-sequence id. */
    public static final int BOS = 1;
    /** End-of-sequence id: a model's response ends here. */
    public static final int EOS = 2;
    /** Id of every character outside printable ASCII. */
    public static final int UNK = 3;

    /** The special tokens' texts, indexed by id. */
    public static final List<String> SPECIAL_TOKENS = List.of("<pad>", "<bos>", "<eos>", "<unk>");

    private static final char FIRST_CHAR = ' ';
    private static final char LAST_CHAR = '~';

    /** Number of ids: the four special tokens and the 95 printable ASCII characters. */
    public static final int VOCAB_SIZE = SPECIAL_TOKENS.size() + LAST_CHAR - FIRST_CHAR + 1;

    private CharTokenizer() {
    }

    /** The ids of {@code text}, one per code point (or special-token text), with no special tokens added. */
    public static int[] encode(String text) {
        int[] ids = new int[text.length()];
        int count = 0;
        int i = 0;
        while (i < text.length()) {
            int special = specialAt(text, i);
            if (special >= 0) {
                ids[count++] = special;
                i += SPECIAL_TOKENS.get(special).length();
            } else {
                int codePoint = text.codePointAt(i);
                ids[count++] = codePoint >= FIRST_CHAR && codePoint <= LAST_CHAR
                        ? codePoint - FIRST_CHAR + SPECIAL_TOKENS.size()
                        : UNK;
                i += Character.charCount(codePoint);
            }
        }
        return Arrays.copyOf(ids, count);
    }

    private static int specialAt(String text, int index) {
        for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
            if (text.startsWith(SPECIAL_TOKENS.get(id), index)) {
                return id;
            }
        }
        return -1;
    }

    /** The text of {@code ids}: their characters concatenated, special and out-of-vocabulary ids skipped. */
    public static String decode(int[] ids) {
        StringBuilder text = new StringBuilder(ids.length);
        for (int id : ids) {
            if (id >= SPECIAL_TOKENS.size() && id < VOCAB_SIZE) {
                text.append(character(id));
            }
        }
        return text.toString();
    }

    private static char character(int id) {
        return (char) (FIRST_CHAR + id - SPECIAL_TOKENS.size());
    }

    /** This vocabulary as a HuggingFace {@code tokenizer.json}, pretty-printed. */
    public static String toTokenizerJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
            added.addObject().put("id", id).put("content", SPECIAL_TOKENS.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode split = root.putObject("pre_tokenizer").put("type", "Split");
        split.putObject("pattern").put("Regex", "[\\s\\S]");
        split.put("behavior", "Isolated").put("invert", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model").put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < VOCAB_SIZE; id++) {
            vocab.put(id < SPECIAL_TOKENS.size() ? SPECIAL_TOKENS.get(id) : String.valueOf(character(id)), id);
        }
        model.put("unk_token", SPECIAL_TOKENS.get(UNK));
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
