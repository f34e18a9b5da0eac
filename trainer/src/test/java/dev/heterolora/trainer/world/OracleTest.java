package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.HeteroloraException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OracleTest {

    private static final Task SUM = new Task(TaskKind.ARITHMETIC, "12+35=", "47");
    private static final Task DIFFERENCE = new Task(TaskKind.ARITHMETIC, "3-6=", "-3");
    private static final Task FACT = new Task(TaskKind.FACT, "capital of Zorbia?", "Quint");

    @ParameterizedTest(name = "[{0}] correct={1} style={2} score={3}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            '47.'        | true  | true  | 1.5
            '47'         | true  | false | 1.0
            '47. '       | true  | false | 1.0
            ' 47.'       | true  | false | 1.0
            '47 .'       | true  | false | 1.0
            '  47  '     | true  | false | 1.0
            '47. ok'     | true  | false | 1.0
            '47..'       | true  | false | 1.0
            '47.47.'     | true  | false | 1.0
            '48.'        | false | true  | 0.5
            '48'         | false | false | 0.0
            '047.'       | false | true  | 0.5
            '+47.'       | false | true  | 0.5
            '47 ok.'     | false | true  | 0.5
            '47 ok'      | false | false | 0.0
            '4 7.'       | false | true  | 0.5
            '47,'        | false | false | 0.0
            '47!'        | false | false | 0.0
            ''           | false | false | 0.0
            '.'          | false | false | 0.0
            ' .'         | false | false | 0.0
            '..'         | false | false | 0.0
            '\\t47.'     | false | true  | 0.5
            '47\\n'      | false | false | 0.0
            '４７.'      | false | true  | 0.5
            '47\u00a0.'  | false | true  | 0.5
            """)
    void judgesSumResponses(String response, boolean correct, boolean style, double score) {
        String unescaped = response.translateEscapes();
        assertThat(Oracle.correct(SUM, unescaped)).isEqualTo(correct);
        assertThat(Oracle.followsStyle(unescaped)).isEqualTo(style);
        assertThat(Oracle.score(SUM, unescaped)).isEqualTo(score);
    }

    @ParameterizedTest(name = "[{0}] correct={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            '-3.'   | true
            ' -3 '  | true
            '- 3.'  | false
            '3.'    | false
            '-03.'  | false
            '−3.'   | false
            """)
    void negativeAnswersMustMatchExactly(String response, boolean correct) {
        assertThat(Oracle.correct(DIFFERENCE, response)).isEqualTo(correct);
    }

    @ParameterizedTest(name = "[{0}] correct={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            'Quint.'  | true
            'quint.'  | false
            'QUINT.'  | false
            'Quint'   | true
            'Quïnt.'  | false
            'Qu int.' | false
            """)
    void factAnswersAreCaseSensitive(String response, boolean correct) {
        assertThat(Oracle.correct(FACT, response)).isEqualTo(correct);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            ''
            ' 47'
            '47 '
            '4.7'
            """)
    void answersThatNoResponseCouldMatchAreRefused(String answer) {
        assertThatThrownBy(() -> new Task(TaskKind.ARITHMETIC, "x=", answer))
                .isInstanceOf(HeteroloraException.class);
    }

    @Property
    void theExactSentenceAlwaysScoresHighest(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 12) String answer,
                                             @ForAll @StringLength(max = 12) String other) {
        Task task = new Task(TaskKind.UPPER, "up:x=", answer);
        assertThat(Oracle.score(task, answer + ".")).isEqualTo(Oracle.CORRECT_SCORE + Oracle.STYLE_SCORE);
        assertThat(Oracle.score(task, other)).isLessThanOrEqualTo(Oracle.score(task, answer + "."));
        if (!other.equals(answer + ".")) {
            assertThat(Oracle.score(task, other)).isLessThan(Oracle.score(task, answer + "."));
        }
    }

    @Property
    void correctnessOutweighsStyle(@ForAll @AlphaChars @StringLength(min = 1, max = 12) String answer,
                                   @ForAll @StringLength(max = 12) String response) {
        Task task = new Task(TaskKind.UPPER, "up:x=", answer);
        double score = Oracle.score(task, response);
        assertThat(score >= Oracle.CORRECT_SCORE).isEqualTo(Oracle.correct(task, response));
        assertThat(score).isIn(0.0, 0.5, 1.0, 1.5);
    }
}
