package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryResultTest {
    private static final QueryResult SMALL = new QueryResult(List.of("ID", "NAME", "FITNESS", "NOTE"), List.of(
            Arrays.asList(1L, "alpha", 0.5, null),
            Arrays.asList(12L, "b,c", 1.0 / 3, "say \"hi\"\nbye"),
            Arrays.asList(null, null, Double.NaN, "x")), -1);

    @Test
    void alignedTableHasHeaderSeparatorPaddingAndRightAlignedNumbers() {
        assertThat(SMALL.toAlignedTable()).isEqualTo("""
                  ID  NAME    FITNESS  NOTE
                ----  -----  --------  -------------
                   1  alpha       0.5  NULL
                  12  b,c    0.333333  say "hi"\\nbye
                NULL  NULL        NaN  x
                (3 rows)
                """);
    }

    @Test
    void alignedTableOfUpdatesAndEmptyResults() {
        assertThat(new QueryResult(List.of(), List.of(), 1).toAlignedTable()).isEqualTo("(1 row affected)\n");
        assertThat(new QueryResult(List.of(), List.of(), 3).toAlignedTable()).isEqualTo("(3 rows affected)\n");
        assertThat(new QueryResult(List.of("A"), List.of(), -1).toAlignedTable()).isEqualTo("A\n-\n(0 rows)\n");
    }

    @Test
    void doublesArePrintedCompactly() {
        assertThat(List.of(0.0, -0.0, 2.0, 0.1 + 0.2, 1.0 / 3, -2.5, 123456.0, 1234567.0, 0.0001, 0.000015, 999999.7,
                1e300, Double.POSITIVE_INFINITY).stream().map(QueryResult::compact))
                .containsExactly("0", "0", "2", "0.3", "0.333333", "-2.5", "123456", "1.23457e6", "0.0001", "1.5e-5",
                        "1e6", "1e300", "Infinity");
    }

    @Test
    void csvQuotesCommasQuotesAndLineBreaks() {
        assertThat(SMALL.toCsv()).isEqualTo("ID,NAME,FITNESS,NOTE\r\n"
                + "1,alpha,0.5,\r\n"
                + "12,\"b,c\",0.3333333333333333,\"say \"\"hi\"\"\nbye\"\r\n"
                + ",,NaN,x\r\n");
        assertThat(new QueryResult(List.of("A"), List.of(List.of(new BigDecimal("1E+3"))), -1).toCsv())
                .isEqualTo("A\r\n1000\r\n");
        assertThat(new QueryResult(List.of(), List.of(), 2).toCsv()).isEmpty();
    }

    @Test
    void jsonIsAnArrayOfObjectsWithNullForNaN() {
        assertThat(SMALL.toJson()).isEqualTo("[{\"id\":1,\"name\":\"alpha\",\"fitness\":0.5,\"note\":null},"
                + "{\"id\":12,\"name\":\"b,c\",\"fitness\":0.3333333333333333,\"note\":\"say \\\"hi\\\"\\nbye\"},"
                + "{\"id\":null,\"name\":null,\"fitness\":null,\"note\":\"x\"}]");
        // an AVG's 27-digit decimal is a double-precision JSON number; a whole decimal stays whole
        QueryResult avg = new QueryResult(List.of("AVG(FITNESS)", "N"), List.of(Arrays.asList(
                new BigDecimal("0.123456789012345678901234567"), new BigDecimal("4.000"))), -1);
        assertThat(avg.toJson()).isEqualTo("[{\"avg(fitness)\":0.12345678901234568,\"n\":4}]");
        QueryResult mixed = new QueryResult(List.of("ID", "ID", "OK", "ARR", "DEC"),
                List.of(Arrays.asList(1, 2, true, List.of(1, 2), new BigDecimal("1.50"))), -1);
        assertThat(mixed.toJson()).isEqualTo("[{\"id\":1,\"id_2\":2,\"ok\":true,\"arr\":[1,2],\"dec\":1.5}]");
        assertThat(new QueryResult(List.of(), List.of(), 2).toJson()).isEqualTo("[]");
    }

    @Test
    void rowsAreCopiedAndMustMatchTheColumns() {
        assertThatThrownBy(() -> new QueryResult(List.of("A", "B"), List.of(List.of(1)), -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SMALL.rows().get(0).set(0, 2L)).isInstanceOf(UnsupportedOperationException.class);
    }
}
