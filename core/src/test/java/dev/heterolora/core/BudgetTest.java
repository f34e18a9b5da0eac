package dev.heterolora.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.core.Budget.Kind;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("0.2%", Kind.FRACTION, 0.002, "0.2%"),
                Arguments.of("0.002", Kind.FRACTION, 0.002, "0.2%"),
                Arguments.of(".5", Kind.FRACTION, 0.5, "50%"),
                Arguments.of("100%", Kind.FRACTION, 1.0, "100%"),
                Arguments.of("1e-3", Kind.FRACTION, 0.001, "0.1%"),
                Arguments.of("  0.2%  ", Kind.FRACTION, 0.002, "0.2%"),
                Arguments.of("150000", Kind.ABSOLUTE, 150_000, "150000"),
                Arguments.of("150k", Kind.ABSOLUTE, 150_000, "150000"),
                Arguments.of("150K", Kind.ABSOLUTE, 150_000, "150000"),
                Arguments.of("1.5M", Kind.ABSOLUTE, 1_500_000, "1500000"),
                Arguments.of("1.5m", Kind.ABSOLUTE, 1_500_000, "1500000"),
                Arguments.of("2G", Kind.ABSOLUTE, 2_000_000_000, "2000000000"),
                Arguments.of("0.5g", Kind.ABSOLUTE, 500_000_000, "500000000"),
                Arguments.of("1", Kind.ABSOLUTE, 1, "1"),
                Arguments.of("2.0", Kind.ABSOLUTE, 2, "2"),
                Arguments.of("1e6", Kind.ABSOLUTE, 1_000_000, "1000000"),
                Arguments.of("\t42 ", Kind.ABSOLUTE, 42, "42"));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1} {2}")
    @MethodSource("accepted")
    void acceptsEveryDocumentedForm(String text, Kind kind, double value, String canonical) {
        Budget budget = Budget.parse(text);

        assertThat(budget).isEqualTo(new Budget(kind, value));
        assertThat(budget).hasToString(canonical);
        assertThat(Budget.parse(budget.toString())).isEqualTo(budget);
    }

    private static final String WHOLE =
            "a parameter count must be whole; numbers of 1 or more are counts, so add % for a percentage";

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("abc", "not a number"),
                Arguments.of("0.2%%", "not a number"),
                Arguments.of("%", "not a number"),
                Arguments.of("k", "not a number"),
                Arguments.of("1.5 M", "not a number"),
                Arguments.of("NaN", "not a number"),
                Arguments.of("Infinity", "not a number"),
                Arguments.of("-Infinity", "not a number"),
                Arguments.of("0x10", "not a number"),
                Arguments.of("1f", "not a number"),
                Arguments.of("1e99999999999", "not a number"),
                Arguments.of("-5", "must be positive"),
                Arguments.of("-0.2%", "must be positive"),
                Arguments.of("-1k", "must be positive"),
                Arguments.of("0", "must be greater than zero"),
                Arguments.of("0%", "must be greater than zero"),
                Arguments.of("0.0k", "must be greater than zero"),
                Arguments.of("150%", "a fraction cannot exceed 100%"),
                Arguments.of("100.0001%", "a fraction cannot exceed 100%"),
                Arguments.of("1.5", WHOLE),
                Arguments.of("1.0001k", WHOLE),
                Arguments.of("1e400", "more than the 9007199254740992 parameters supported"),
                Arguments.of("9007199254740993", "more than the 9007199254740992 parameters supported"),
                Arguments.of("1e-400", "fraction is too small to represent"));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @MethodSource("rejected")
    void rejectsWithAMessageQuotingTheInput(String text, String problem) {
        assertThatThrownBy(() -> Budget.parse(text))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("bad parameter budget '" + text.strip() + "': " + problem
                        + (problem.equals("not a number") ? "; expected a fraction like 0.2% or 0.002, or a "
                                + "parameter count like 150000, 150k or 1.5M" : ""))
                .hasMessageContaining(text.strip())
                .hasMessageNotContaining("\n");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void rejectsNothing(String text) {
        assertThatThrownBy(() -> Budget.parse(text))
                .isInstanceOf(HeteroloraException.class)
                .hasMessage("parameter budget is empty; expected a fraction like 0.2% or 0.002, or a parameter "
                        + "count like 150000, 150k or 1.5M");
    }

    @Test
    void limitIsTheCountOrTheFlooredShareOfTheBase() {
        assertThat(Budget.parse("150k").limit(1_000_000_000L)).isEqualTo(150_000);
        assertThat(Budget.parse("150k").limit(10)).isEqualTo(150_000);
        assertThat(Budget.parse("0.2%").limit(1_000_000)).isEqualTo(2_000);
        assertThat(Budget.parse("0.2%").limit(999)).isEqualTo(1);
        assertThat(Budget.parse("30%").limit(10)).isEqualTo(3);
        assertThat(Budget.parse("100%").limit(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(Budget.parse("0.2%").limit(0)).isZero();
        assertThatThrownBy(() -> Budget.parse("1%").limit(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void constructorRejectsImpossibleBudgets() {
        assertThatThrownBy(() -> new Budget(Kind.FRACTION, 1.5)).isInstanceOf(HeteroloraException.class)
                .hasMessage("parameter budget fraction must be at most 1 (100%), got 1.5");
        assertThatThrownBy(() -> new Budget(Kind.FRACTION, Double.NaN)).isInstanceOf(HeteroloraException.class)
                .hasMessage("parameter budget must be a positive finite number, got NaN");
        assertThatThrownBy(() -> new Budget(Kind.ABSOLUTE, Double.POSITIVE_INFINITY))
                .isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> new Budget(Kind.ABSOLUTE, 2.5)).isInstanceOf(HeteroloraException.class)
                .hasMessage("parameter budget count must be a whole number up to 9007199254740992, got 2.5");
        assertThatThrownBy(() -> new Budget(null, 1)).isInstanceOf(HeteroloraException.class);
    }

    @Test
    void aLargeFractionWithoutPercentIsFlaggedAndEveryOtherSpellingIsNot() {
        assertThat(Budget.forgottenPercent("0.2"))
                .contains("0.2 means 20 % of the trainable base; did you mean 0.2%?");
        assertThat(Budget.forgottenPercent(" .5 ")).contains(".5 means 50 % of the trainable base; did you mean .5%?");
        assertThat(Budget.forgottenPercent("0.05")).isEmpty(); // 5 % exactly may be meant
        assertThat(Budget.forgottenPercent("0.002")).isEmpty();
        assertThat(Budget.forgottenPercent("20%")).isEmpty();
        assertThat(Budget.forgottenPercent("150k")).isEmpty();
        assertThatThrownBy(() -> Budget.forgottenPercent("abc")).isInstanceOf(HeteroloraException.class);
    }

    @Test
    void describeGivesTheLimitAndTheShareOfTheBase() {
        assertThat(Budget.parse("0.2").describe(123_392)).isEqualTo("24,678 parameters (20 % of 123,392)");
        assertThat(Budget.parse("0.2%").describe(123_392)).isEqualTo("246 parameters (0.2 % of 123,392)");
        assertThat(Budget.parse("1k").describe(123_392)).isEqualTo("1,000 parameters (0.81 % of 123,392)");
        assertThat(Budget.parse("1k").describe(0)).isEqualTo("1,000 parameters (- of 0)");
    }
}
