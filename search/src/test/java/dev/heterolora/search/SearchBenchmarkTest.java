package dev.heterolora.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SearchBenchmarkTest {

    @Test
    void rowsSayHowCloseAndHowFastEachStrategyGetsToTheOptimum() {
        List<SearchBenchmark.Row> rows = SearchBenchmark.run(List.of("auto", "uniform"), List.of(3L), List.of(0.002));

        assertThat(rows).extracting(SearchBenchmark.Row::strategy).containsExactly("auto", "uniform");
        SearchBenchmark.Row auto = rows.getFirst();
        assertThat(auto.sites()).isEqualTo(351);
        assertThat(auto.percentOfOptimum()).isCloseTo(100, within(1e-9));
        assertThat(auto.evaluationsToTarget()).hasValue(1);
        assertThat(auto.secondsToTarget().orElseThrow()).isBetween(0.0, auto.seconds());
        assertThat(auto.quality().stopReason()).isEqualTo(StopReason.EXACT);
        SearchBenchmark.Row uniform = rows.getLast();
        assertThat(uniform.optimum()).isEqualTo(auto.optimum());
        assertThat(uniform.percentOfOptimum()).isLessThan(SearchBenchmark.TARGET_PERCENT);
        assertThat(uniform.evaluationsToTarget()).isEmpty();
    }
}
