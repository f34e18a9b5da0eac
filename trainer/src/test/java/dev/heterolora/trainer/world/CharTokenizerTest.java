package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.model.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharTokenizerTest {

    @TempDir
    static Path dir;

    static TextTokenizer djl;

    @BeforeAll
    static void load() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), CharTokenizer.toTokenizerJson());
        djl = TextTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        djl.close();
    }

    @Test
    void djlAgreesWithJavaOnTaskStrings() {
        KnowledgeBase kb = KnowledgeBase.generate(3, 50);
        TaskGenerator generator = new TaskGenerator(kb, 3);
        Demonstrations demos = Demonstrations.defaults(kb);
        SplittableRandom rng = new SplittableRandom(11);
        List<String> corpus = new ArrayList<>();
        for (Task task : generator.training(rng, 500, TaskMix.defaults())) {
            corpus.add(task.prompt());
            corpus.add(task.prompt() + demos.demonstrate(task, rng).response());
        }
        assertThat(corpus).hasSize(1000);
        for (String text : corpus) {
            int[] ids = CharTokenizer.encode(text);
            assertThat(djl.encode(text)).as(text).containsExactly(ids);
            assertThat(ids).hasSize(text.length()).doesNotContain(CharTokenizer.PAD, CharTokenizer.BOS,
                    CharTokenizer.EOS, CharTokenizer.UNK);
            assertThat(djl.decode(ids)).isEqualTo(text);
            assertThat(CharTokenizer.decode(ids)).isEqualTo(text);
        }
    }

    @Test
    void spacesSurviveTheRoundTrip() {
        for (String text : List.of("a b  c.", " ", "  lead", "trail  ", "")) {
            assertThat(djl.decode(djl.encode(text))).isEqualTo(text);
            assertThat(CharTokenizer.decode(CharTokenizer.encode(text))).isEqualTo(text);
        }
    }

    @Test
    void idsAreFixed() {
        assertThat(CharTokenizer.VOCAB_SIZE).isEqualTo(99);
        assertThat(CharTokenizer.encode(" ~")).containsExactly(4, 98);
        assertThat(CharTokenizer.encode("A")).containsExactly(4 + 'A' - 32);
    }

    @Test
    void everythingOutsidePrintableAsciiIsOneUnknownPerCodePoint() {
        String text = "é\n\t😀ü\u0000x";
        int unk = CharTokenizer.UNK;
        assertThat(CharTokenizer.encode(text)).containsExactly(unk, unk, unk, unk, unk, unk, 4 + 'x' - 32);
        assertThat(djl.encode(text)).containsExactly(CharTokenizer.encode(text));
        assertThat(djl.decode(CharTokenizer.encode(text))).isEqualTo("x");
        assertThat(CharTokenizer.decode(CharTokenizer.encode(text))).isEqualTo("x");
    }

    @Test
    void specialTokensAreNeverAddedAndDecodeSkipsThem() {
        assertThat(djl.encode("ab")).containsExactly(CharTokenizer.encode("ab"));
        int[] framed = {CharTokenizer.BOS, 4 + 'a' - 32, CharTokenizer.EOS, CharTokenizer.PAD};
        assertThat(djl.decode(framed)).isEqualTo("a");
        assertThat(CharTokenizer.decode(framed)).isEqualTo("a");
    }

    @Test
    void specialTokenTextsEncodeToTheirIdsInBoth() {
        String text = "x<eos>y<bos";
        assertThat(CharTokenizer.encode(text)).hasSize(7).contains(CharTokenizer.EOS);
        assertThat(djl.encode(text)).containsExactly(CharTokenizer.encode(text));
    }

    @Test
    void randomPrintableAsciiRoundTripsThroughBoth() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int n = 0; n < 300; n++) {
            char[] chars = new char[rng.nextInt(30)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = (char) rng.nextInt(' ', '~' + 1);
            }
            String text = new String(chars);
            int[] ids = CharTokenizer.encode(text);
            assertThat(djl.encode(text)).as(text).containsExactly(ids);
            assertThat(djl.decode(ids)).isEqualTo(text);
            assertThat(CharTokenizer.decode(ids)).isEqualTo(text);
        }
    }
}
