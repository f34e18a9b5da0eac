package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws tasks of the embedded world and splits them into training and held-out instances.
 *
 * <p>It exists so that evaluation measures the right thing for each kind. The computed kinds (arithmetic and the
 * string transforms) are partitioned by prompt: a fixed, seed-dependent eighth of all possible prompts is held out
 * and never drawn for training, so held-out accuracy measures generalisation to new instances. Facts cannot be
 * generalised to, only memorised, so held-out fact questions are drawn from the facts that the training tasks
 * ask about: factuality then measures whether the model kept what it was taught.
 *
 * <p>Instances: arithmetic is {@code a+b=} or {@code a-b=} with operands 0..99 (a difference may be negative)
 * or {@code a*b=} with operands 0..12, each operator equally likely; the string transforms work on words of 3 to
 * 6 random lowercase letters; facts are uniform over the knowledge base.
 */
public final class TaskGenerator {

    /** One prompt in this many of each computed kind is held out. */
    static final int HELD_OUT_PARTS = 8;

    private static final int MAX_SUM_OPERAND = 99;
    private static final int MAX_PRODUCT_OPERAND = 12;
    private static final int MIN_WORD = 3;
    private static final int MAX_WORD = 6;

    private final KnowledgeBase knowledge;
    private final long seed;

    /**
     * @param knowledge where fact questions come from
     * @param seed      chooses which computed prompts are held out
     */
    public TaskGenerator(KnowledgeBase knowledge, long seed) {
        this.knowledge = knowledge;
        this.seed = seed;
    }

    /** One instance of {@code kind}, from either split. */
    public Task draw(TaskKind kind, SplittableRandom rng) {
        return switch (kind) {
            case ARITHMETIC -> arithmetic(rng);
            case REVERSE -> {
                String word = word(rng);
                yield new Task(kind, "rev:" + word + "=", new StringBuilder(word).reverse().toString());
            }
            case SORT -> {
                String word = word(rng);
                char[] letters = word.toCharArray();
                Arrays.sort(letters);
                yield new Task(kind, "sort:" + word + "=", new String(letters));
            }
            case UPPER -> {
                String word = word(rng);
                yield new Task(kind, "up:" + word + "=", word.toUpperCase(Locale.ROOT));
            }
            case FACT -> knowledge.facts().get(rng.nextInt(knowledge.facts().size())).task();
        };
    }

    /** Whether {@code task} belongs to the held-out part of its kind; facts are never held out. */
    public boolean isHeldOut(Task task) {
        return task.kind() != TaskKind.FACT
                && new SplittableRandom(seed * 31 + task.prompt().hashCode()).nextInt(HELD_OUT_PARTS) == 0;
    }

    /** {@code n} training tasks: kinds drawn from {@code mix}, computed instances never from the held-out part. */
    public List<Task> training(SplittableRandom rng, int n, TaskMix mix) {
        List<Task> tasks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tasks.add(drawFromSplit(mix.draw(rng), false, rng));
        }
        return List.copyOf(tasks);
    }

    /**
     * {@code n} held-out evaluation tasks in random order: {@code facts} distinct fact questions that
     * {@code training} asks, and {@code n - facts} new computed instances with kinds drawn from {@code mix}
     * (its fact weight ignored).
     *
     * @throws HeteroloraException if {@code training} asks fewer than {@code facts} distinct fact questions, or
     *                             computed tasks are wanted and {@code mix} gives them no weight
     */
    public List<Task> heldOut(SplittableRandom rng, int n, int facts, TaskMix mix, List<Task> training) {
        if (facts < 0 || facts > n) {
            throw new HeteroloraException("held-out fact questions must be between 0 and " + n + ", got " + facts);
        }
        List<Task> taughtFacts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Task task : training) {
            if (task.kind() == TaskKind.FACT && seen.add(task.prompt())) {
                taughtFacts.add(task);
            }
        }
        if (taughtFacts.size() < facts) {
            throw new HeteroloraException("the training tasks ask only " + taughtFacts.size()
                    + " distinct fact questions, fewer than the " + facts + " held-out ones wanted");
        }
        shuffle(taughtFacts, rng);
        List<Task> tasks = new ArrayList<>(taughtFacts.subList(0, facts));
        if (n > facts) {
            TaskMix computed = mix.withoutFacts();
            while (tasks.size() < n) {
                tasks.add(drawFromSplit(computed.draw(rng), true, rng));
            }
        }
        shuffle(tasks, rng);
        return List.copyOf(tasks);
    }

    /** An instance of {@code kind} from the held-out part if {@code heldOut}, else from the training part. */
    private Task drawFromSplit(TaskKind kind, boolean heldOut, SplittableRandom rng) {
        Task task = draw(kind, rng);
        while (isHeldOut(task) != heldOut) {
            task = draw(kind, rng);
        }
        return task;
    }

    private static void shuffle(List<Task> tasks, SplittableRandom rng) {
        for (int i = tasks.size() - 1; i > 0; i--) {
            Collections.swap(tasks, i, rng.nextInt(i + 1));
        }
    }

    private static Task arithmetic(SplittableRandom rng) {
        char op = "+-*".charAt(rng.nextInt(3));
        int max = op == '*' ? MAX_PRODUCT_OPERAND : MAX_SUM_OPERAND;
        int a = rng.nextInt(max + 1);
        int b = rng.nextInt(max + 1);
        int value = switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            default -> a * b;
        };
        return new Task(TaskKind.ARITHMETIC, "" + a + op + b + "=", Integer.toString(value));
    }

    private static String word(SplittableRandom rng) {
        char[] letters = new char[MIN_WORD + rng.nextInt(MAX_WORD - MIN_WORD + 1)];
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (char) ('a' + rng.nextInt(26));
        }
        return new String(letters);
    }
}
