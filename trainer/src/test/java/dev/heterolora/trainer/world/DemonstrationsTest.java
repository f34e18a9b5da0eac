package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.heterolora.core.HeteroloraException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DemonstrationsTest {

    private final KnowledgeBase kb = KnowledgeBase.generate(5, 200);
    private final TaskGenerator generator = new TaskGenerator(kb, 5);
    private final Demonstrations demonstrations = Demonstrations.defaults(kb);

    private List<Task> sample(TaskMix mix) {
        return generator.training(new SplittableRandom(8), 5000, mix);
    }

    private static double correctRate(List<Task> tasks, List<Demonstration> demos) {
        long correct = 0;
        for (int i = 0; i < tasks.size(); i++) {
            if (Oracle.correct(tasks.get(i), demos.get(i).response())) {
                correct++;
            }
        }
        return correct / (double) tasks.size();
    }

    private static double styleRate(List<Demonstration> demos) {
        return demos.stream().filter(d -> Oracle.followsStyle(d.response())).count() / (double) demos.size();
    }

    @Test
    void computedDemonstrationsAreRightAndInStyleAtTheConfiguredRates() {
        List<Task> tasks = sample(TaskMix.defaults().withoutFacts());
        List<Demonstration> demos = demonstrations.demonstrate(tasks, new SplittableRandom(1));
        assertThat(correctRate(tasks, demos)).isCloseTo(Demonstrations.DEFAULT_P_CORRECT, offset(0.02));
        assertThat(styleRate(demos)).isCloseTo(Demonstrations.DEFAULT_P_STYLE, offset(0.02));
        for (int i = 0; i < tasks.size(); i++) {
            assertThat(demos.get(i).prompt()).isEqualTo(tasks.get(i).prompt());
        }
    }

    @Test
    void factDemonstrationsAreMostlyRight() {
        List<Task> tasks = sample(new TaskMix(0, 0, 0, 0, 1));
        List<Demonstration> demos = demonstrations.demonstrate(tasks, new SplittableRandom(1));
        assertThat(correctRate(tasks, demos)).isCloseTo(Demonstrations.DEFAULT_P_FACT_CORRECT, offset(0.015));
        assertThat(styleRate(demos)).isCloseTo(Demonstrations.DEFAULT_P_STYLE, offset(0.02));
    }

    @Test
    void otherRatesAreHonoured() {
        List<Task> tasks = sample(TaskMix.defaults());
        List<Demonstration> demos = new Demonstrations(kb, 0.2, 0.2, 0.8).demonstrate(tasks, new SplittableRandom(1));
        assertThat(correctRate(tasks, demos)).isCloseTo(0.2, offset(0.02));
        assertThat(styleRate(demos)).isCloseTo(0.8, offset(0.02));
    }

    @Test
    void wrongAnswersArePlausible() {
        SplittableRandom rng = new SplittableRandom(2);
        for (Task task : sample(TaskMix.defaults())) {
            String wrong = demonstrations.wrongAnswer(task, rng);
            assertThat(wrong).isNotEqualTo(task.answer()).doesNotContain(".", " ");
            switch (task.kind()) {
                case ARITHMETIC -> assertThat(wrong).matches("-?(0|[1-9]\\d*)");
                case REVERSE, SORT -> assertThat(wrong).hasSameSizeAs(task.answer()).matches("[a-z]+");
                case UPPER -> assertThat(wrong).isEqualToIgnoringCase(task.answer());
                case FACT -> assertThat(kb.values(kb.fact(task.prompt()).attribute())).contains(wrong);
            }
        }
    }

    @Test
    void wordsOfOneRepeatedLetterStillGetAWrongAnswer() {
        Task task = new Task(TaskKind.REVERSE, "rev:zzz=", "zzz");
        assertThat(demonstrations.wrongAnswer(task, new SplittableRandom(1))).isEqualTo("azz");
    }

    @Test
    void sameSeedSameDemonstrations() {
        List<Task> tasks = sample(TaskMix.defaults());
        assertThat(demonstrations.demonstrate(tasks, new SplittableRandom(3)))
                .isEqualTo(demonstrations.demonstrate(tasks, new SplittableRandom(3)))
                .isNotEqualTo(demonstrations.demonstrate(tasks, new SplittableRandom(4)));
    }

    @Test
    void refusesProbabilitiesOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new Demonstrations(kb, 1.1, 0.9, 0.3)).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> new Demonstrations(kb, 0.6, Double.NaN, 0.3)).isInstanceOf(HeteroloraException.class);
    }
}
