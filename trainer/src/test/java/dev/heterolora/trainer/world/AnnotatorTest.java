package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnnotatorTest {

    private static final Task TASK = new Task(TaskKind.ARITHMETIC, "12+35=", "47");
    private static final int TRIALS = 20_000;

    private static double chosenRate(Annotator annotator, String first, String second, String expected) {
        SplittableRandom rng = new SplittableRandom(1);
        int chosen = 0;
        for (int i = 0; i < TRIALS; i++) {
            Preference p = annotator.label(TASK, first, second, rng);
            assertThat(p.prompt()).isEqualTo(TASK.prompt());
            assertThat(List.of(p.chosen(), p.rejected())).containsExactlyInAnyOrder(first, second);
            if (p.chosen().equals(expected)) {
                chosen++;
            }
        }
        return chosen / (double) TRIALS;
    }

    @Test
    void farApartScoresAreFlippedAQuarterOfTheTime() {
        Annotator annotator = Annotator.defaults();
        assertThat(chosenRate(annotator, "47.", "12", "12")).isCloseTo(0.25, offset(0.01));
        assertThat(chosenRate(annotator, "12", "47.", "12")).isCloseTo(0.25, offset(0.01));
        assertThat(annotator.probabilityFirstChosen(TASK, "47.", "12")).isCloseTo(0.75, offset(1e-6));
    }

    @Test
    void equalScoresAreACoinToss() {
        assertThat(chosenRate(Annotator.defaults(), "47", "47 .", "47")).isCloseTo(0.5, offset(0.015));
        assertThat(Annotator.defaults().probabilityFirstChosen(TASK, "47", "47 .")).isEqualTo(0.5);
    }

    @Test
    void aSmallGapAtAHighTemperatureIsAlmostACoinToss() {
        Annotator noiseless = new Annotator(10, 0);
        double p = noiseless.probabilityFirstChosen(TASK, "47.", "47");
        assertThat(p).isCloseTo(1 / (1 + Math.exp(-0.05)), offset(1e-12));
        assertThat(chosenRate(noiseless, "47.", "47", "47.")).isCloseTo(p, offset(0.015));
    }

    @Test
    void sameSeedSameLabels() {
        assertThat(labels(7)).isEqualTo(labels(7)).isNotEqualTo(labels(8));
    }

    private static List<Preference> labels(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Preference> labels = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            labels.add(Annotator.defaults().label(TASK, "47.", "4" + i, rng));
        }
        return labels;
    }

    @Test
    void refusesBadParameters() {
        assertThatThrownBy(() -> new Annotator(0, 0.25)).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> new Annotator(0.1, 1.5)).isInstanceOf(HeteroloraException.class);
    }
}
