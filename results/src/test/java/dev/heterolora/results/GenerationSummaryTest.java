package dev.heterolora.results;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.studies.Trial;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GenerationSummaryTest {
    private static Trial trial(int seq, int generation, boolean feasible, double fitness) {
        return new Trial(seq, 1, seq, generation, "{}", 10, feasible, fitness, Map.of(), false, 0.1, Instant.EPOCH);
    }

    @Test
    void mediansBestsRunningMaximumAndFeasibleShare() {
        List<GenerationSummary> g = GenerationSummary.of(List.of(
                trial(0, 0, true, 1.0), trial(1, 0, true, 3.0), trial(2, 0, false, 9.0), trial(3, 0, true, 2.0),
                trial(4, 1, true, 0.5), trial(5, 1, true, 1.5), trial(6, 1, true, Double.NaN),
                trial(7, 2, false, 4.0),
                trial(8, 3, true, 5.0)));
        assertThat(g).extracting(GenerationSummary::generation).containsExactly(0, 1, 2, 3);
        GenerationSummary first = g.get(0);
        assertThat(first.trials()).isEqualTo(4);
        assertThat(first.feasible()).isEqualTo(3);
        assertThat(first.feasibleShare()).isEqualTo(0.75);
        assertThat(first.median()).isEqualTo(2.0);
        assertThat(first.best()).isEqualTo(3.0);
        assertThat(first.bestSoFar()).isEqualTo(3.0);
        assertThat(g.get(1).median()).isEqualTo(1.0);
        assertThat(g.get(1).best()).isEqualTo(1.5);
        assertThat(g.get(1).bestSoFar()).isEqualTo(3.0);
        assertThat(g.get(2).median()).isNaN();
        assertThat(g.get(2).feasibleShare()).isZero();
        assertThat(g.get(2).bestSoFar()).isEqualTo(3.0);
        assertThat(g.get(3).bestSoFar()).isEqualTo(5.0);
        assertThat(GenerationSummary.of(List.of())).isEmpty();
    }
}
