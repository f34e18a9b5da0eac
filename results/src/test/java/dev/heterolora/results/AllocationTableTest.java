package dev.heterolora.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Means with t intervals (checked against scipy) and paired differences against the reference method. */
class AllocationTableTest {
    private static AllocationTable.Cell cell(String budget, long seed, String method, double loss, double acc) {
        return new AllocationTable.Cell(budget, seed, method, 100, loss, acc, Map.of("arithmetic", loss),
                Map.of("arithmetic", acc, "facts", acc / 2));
    }

    @Test
    void meanIntervalMatchesScipy() {
        // scipy.stats.t.interval(0.95, 2, loc=mean([1,2,4]), scale=sem([1,2,4])) = (-1.4612, 6.1279)
        MeanInterval m = MeanInterval.of(new double[] {1, 2, 4, Double.NaN});
        assertThat(m.n()).isEqualTo(3);
        assertThat(m.mean()).isCloseTo(7.0 / 3, within(1e-12));
        assertThat(m.low()).isCloseTo(-1.4612, within(1e-4));
        assertThat(m.high()).isCloseTo(6.1279, within(1e-4));
        assertThat(MeanInterval.of(new double[] {5}).low()).isNaN();
        assertThat(MeanInterval.of(new double[0]).mean()).isNaN();
    }

    @Test
    void pairedDifferencesUseTheSeedsBothMethodsHave() {
        List<AllocationTable.Cell> cells = List.of(
                cell("1%", 0, "peft-default", 1.00, 0.50), cell("1%", 1, "peft-default", 1.10, 0.40),
                cell("1%", 2, "peft-default", 0.90, 0.45),
                cell("1%", 0, "search", 0.95, 0.55), cell("1%", 1, "search", 1.04, 0.46),
                cell("1%", 2, "search", 0.86, 0.49), cell("4%", 0, "search", 0.5, 0.9));
        List<AllocationTable.Row> rows = AllocationTable.rows(cells, "peft-default");
        assertThat(rows).extracting(AllocationTable.Row::method).containsExactly("peft-default", "search", "search");
        AllocationTable.Row search = AllocationTable.find(rows, "1%", "search").orElseThrow();
        // differences -0.05, -0.06, -0.04: mean -0.05, sem 0.00577, t(2) = 4.3027 -> [-0.0748, -0.0252]
        assertThat(search.lossVsReference().mean()).isCloseTo(-0.05, within(1e-12));
        assertThat(search.lossVsReference().high()).isCloseTo(-0.0252, within(1e-4));
        assertThat(search.lossVsReference().below(0)).isTrue();
        assertThat(search.accuracyVsReference().mean()).isCloseTo(0.05, within(1e-12));
        assertThat(search.accuracyByKind()).containsKeys("arithmetic", "facts");
        assertThat(AllocationTable.find(rows, "1%", "peft-default").orElseThrow().lossVsReference().n()).isZero();
        // no reference at 4 %: no pairs
        assertThat(AllocationTable.find(rows, "4%", "search").orElseThrow().lossVsReference().n()).isZero();
        assertThat(AllocationTable.toJson(rows, new com.fasterxml.jackson.databind.ObjectMapper()).get(1)
                .get("loss_vs_reference").get("mean").asDouble()).isCloseTo(-0.05, within(1e-12));
    }
}
