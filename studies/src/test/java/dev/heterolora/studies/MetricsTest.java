package dev.heterolora.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.heterolora.core.HeteroloraException;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics part of the store: the learning curves of runs. */
class MetricsTest extends InMemoryStoreTest {
    @Test
    void upsertsMetricsPerStepAndReadsThemByStepThenName() {
        long run = store.createRun(null, null, "ppo", "{}", null);
        store.recordMetrics(run, 0, Map.of("reward", 0.1, "kl", 0.0));
        store.recordMetrics(run, 1, Map.of("reward", 0.2, "loss", Double.NaN));
        store.recordMetrics(run, 1, Map.of("reward", 0.3));
        List<Metric> metrics = store.metrics(run);
        assertThat(metrics).extracting(Metric::step, Metric::name)
                .containsExactly(tuple(0, "kl"), tuple(0, "reward"), tuple(1, "loss"), tuple(1, "reward"));
        assertThat(metrics.get(2).value()).isNaN();
        assertThat(metrics.get(3)).isEqualTo(new Metric(run, 1, "reward", 0.3));
        assertThat(sql("SELECT COUNT(*) FROM metric WHERE val IS NULL").rows()).containsExactly(List.of(1L));
        assertThat(store.metrics(run + 1)).isEmpty();
    }

    @Test
    void metricsOfAnUnknownRunAreRefusedAndNothingIsKept() {
        assertThatThrownBy(() -> store.recordMetrics(999, 0, Map.of("x", 1.0))).isInstanceOf(HeteroloraException.class)
                .hasMessage("no run with id 999");
        assertThat(sql("SELECT COUNT(*) FROM metric").rows()).containsExactly(List.of(0L));
    }
}
