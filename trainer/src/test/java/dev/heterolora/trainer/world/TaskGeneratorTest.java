package dev.heterolora.trainer.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.heterolora.core.HeteroloraException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TaskGeneratorTest {

    private static final Pattern ARITHMETIC = Pattern.compile("(\\d+)([-+*])(\\d+)=");
    private static final Pattern TRANSFORM = Pattern.compile("(rev|sort|up):([a-z]{3,6})=");

    private final KnowledgeBase kb = KnowledgeBase.generate(4, 200);
    private final TaskGenerator generator = new TaskGenerator(kb, 9);
    private final List<Task> training = generator.training(new SplittableRandom(1), 6000, TaskMix.defaults());

    @Test
    void everyTaskIsWellFormedShortAndRightlyAnswered() {
        for (Task task : training) {
            assertThat(task.prompt()).hasSizeLessThanOrEqualTo(24);
            assertThat(task.answer()).isEqualTo(expectedAnswer(task));
        }
    }

    private String expectedAnswer(Task task) {
        if (task.kind() == TaskKind.FACT) {
            return kb.fact(task.prompt()).value();
        }
        Matcher arithmetic = ARITHMETIC.matcher(task.prompt());
        if (arithmetic.matches()) {
            assertThat(task.kind()).isEqualTo(TaskKind.ARITHMETIC);
            int a = Integer.parseInt(arithmetic.group(1));
            int b = Integer.parseInt(arithmetic.group(3));
            assertThat(Math.max(a, b)).isLessThanOrEqualTo(arithmetic.group(2).equals("*") ? 12 : 99);
            return Integer.toString(switch (arithmetic.group(2)) {
                case "+" -> a + b;
                case "-" -> a - b;
                default -> a * b;
            });
        }
        Matcher transform = TRANSFORM.matcher(task.prompt());
        assertThat(transform.matches()).as(task.prompt()).isTrue();
        String word = transform.group(2);
        char[] sorted = word.toCharArray();
        Arrays.sort(sorted);
        return switch (task.kind()) {
            case REVERSE -> new StringBuilder(word).reverse().toString();
            case SORT -> new String(sorted);
            case UPPER -> word.toUpperCase(Locale.ROOT);
            default -> throw new AssertionError(task);
        };
    }

    @Test
    void followsTheMix() {
        Map<TaskKind, Long> counts = training.stream()
                .collect(Collectors.groupingBy(Task::kind, () -> new EnumMap<>(TaskKind.class), Collectors.counting()));
        for (TaskKind kind : TaskKind.values()) {
            assertThat(counts.get(kind) / 6000.0).as(kind.name()).isCloseTo(TaskMix.defaults().weight(kind),
                    offset(0.02));
        }
        assertThat(training).anyMatch(t -> t.answer().startsWith("-")).anyMatch(t -> t.prompt().contains("*"));
    }

    @Test
    void heldOutComputedTasksAreNewAndHeldOutFactsWereTaught() {
        List<Task> eval = generator.heldOut(new SplittableRandom(2), 400, 120, TaskMix.defaults(), training);
        assertThat(eval).hasSize(400);
        Set<String> trainingPrompts = training.stream().map(Task::prompt).collect(Collectors.toSet());
        List<Task> facts = eval.stream().filter(t -> t.kind() == TaskKind.FACT).toList();
        assertThat(facts).hasSize(120).doesNotHaveDuplicates().allMatch(t -> trainingPrompts.contains(t.prompt()));
        assertThat(training).containsAll(facts);
        List<Task> computed = eval.stream().filter(t -> t.kind() != TaskKind.FACT).toList();
        assertThat(computed).hasSize(280).allMatch(generator::isHeldOut)
                .noneMatch(t -> trainingPrompts.contains(t.prompt()));
        assertThat(computed.stream().map(Task::kind).distinct()).hasSize(4);
    }

    @Test
    void aboutAnEighthOfComputedPromptsAreHeldOut() {
        SplittableRandom rng = new SplittableRandom(3);
        long held = 0;
        for (int i = 0; i < 8000; i++) {
            if (generator.isHeldOut(generator.draw(TaskKind.values()[i % 4], rng))) {
                held++;
            }
        }
        assertThat(held / 8000.0).isCloseTo(1.0 / 8, offset(0.015));
        assertThat(kb.facts()).noneMatch(f -> generator.isHeldOut(f.task()));
    }

    @Test
    void sameSeedsSameTasksOtherSeedsOtherTasks() {
        assertThat(new TaskGenerator(KnowledgeBase.generate(4, 200), 9)
                .training(new SplittableRandom(1), 6000, TaskMix.defaults())).isEqualTo(training);
        assertThat(generator.training(new SplittableRandom(2), 6000, TaskMix.defaults())).isNotEqualTo(training);
        List<Task> eval = generator.heldOut(new SplittableRandom(2), 100, 30, TaskMix.defaults(), training);
        assertThat(generator.heldOut(new SplittableRandom(2), 100, 30, TaskMix.defaults(), training)).isEqualTo(eval);
        assertThat(new TaskGenerator(kb, 10).heldOut(new SplittableRandom(2), 100, 30, TaskMix.defaults(), training))
                .isNotEqualTo(eval);
    }

    @Test
    void refusesMoreHeldOutFactsThanWereTaught() {
        List<Task> fewFacts = training.subList(0, 20);
        assertThatThrownBy(() -> generator.heldOut(new SplittableRandom(2), 100, 50, TaskMix.defaults(), fewFacts))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("distinct fact questions");
        TaskMix factsOnly = new TaskMix(0, 0, 0, 0, 1);
        assertThatThrownBy(() -> generator.heldOut(new SplittableRandom(2), 100, 10, factsOnly, training))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no weight");
        assertThatThrownBy(() -> new TaskMix(1, -1, 0, 0, 0)).isInstanceOf(HeteroloraException.class);
        assertThatThrownBy(() -> new TaskMix(0, 0, 0, 0, 0)).isInstanceOf(HeteroloraException.class);
    }
}
