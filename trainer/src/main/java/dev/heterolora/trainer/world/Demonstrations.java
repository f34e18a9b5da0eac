package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes the imperfect demonstrations the world's SFT policy is trained on.
 *
 * <p>It exists so that the SFT policy leaves room for RLHF, as human demonstrations do: a response is correct only
 * with probability {@code pCorrect} ({@code pFactCorrect} for facts, higher, so the facts can be memorised) and
 * follows the {@link Oracle} style rule only with probability {@code pStyle}, independently. A wrong answer is a
 * plausible one: an off-by-one or one-digit change for arithmetic, two letters swapped for reverse and sort, one
 * letter left lower-case for upper, another value of the same attribute for facts. A response out of style keeps
 * its answer part (so it is exactly as correct as intended) but breaks the form: no period, a trailing or leading
 * space, a space before the period, or extra text after it.
 *
 * @param knowledge    where wrong fact values come from
 * @param pCorrect     probability that an arithmetic or string demonstration is correct
 * @param pFactCorrect probability that a fact demonstration is correct
 * @param pStyle       probability that a demonstration follows the style rule
 */
public record Demonstrations(KnowledgeBase knowledge, double pCorrect, double pFactCorrect, double pStyle) {

    /** Default probability that an arithmetic or string demonstration is correct. */
    public static final double DEFAULT_P_CORRECT = 0.6;

    /** Default probability that a fact demonstration is correct. */
    public static final double DEFAULT_P_FACT_CORRECT = 0.9;

    /** Default probability that a demonstration follows the style rule. */
    public static final double DEFAULT_P_STYLE = 0.3;

    /** The ways a demonstration breaks the style rule while keeping its answer part. */
    private static final List<String> OFF_STYLE = List.of("%s", "%s. ", " %s.", "%s .", "%s. ok");

    public Demonstrations {
        if (knowledge == null) {
            throw new HeteroloraException("demonstrations need a knowledge base");
        }
        for (double p : new double[] {pCorrect, pFactCorrect, pStyle}) {
            if (!(p >= 0 && p <= 1)) {
                throw new HeteroloraException("demonstration probabilities must be between 0 and 1, got " + p);
            }
        }
    }

    /** Demonstrations with the default probabilities. */
    public static Demonstrations defaults(KnowledgeBase knowledge) {
        return new Demonstrations(knowledge, DEFAULT_P_CORRECT, DEFAULT_P_FACT_CORRECT, DEFAULT_P_STYLE);
    }

    /** One demonstration for each task, in order. */
    public List<Demonstration> demonstrate(List<Task> tasks, SplittableRandom rng) {
        List<Demonstration> demos = new ArrayList<>(tasks.size());
        for (Task task : tasks) {
            demos.add(demonstrate(task, rng));
        }
        return List.copyOf(demos);
    }

    /** A demonstration for {@code task}: correct and in style with the configured probabilities. */
    public Demonstration demonstrate(Task task, SplittableRandom rng) {
        double p = task.kind() == TaskKind.FACT ? pFactCorrect : pCorrect;
        String answer = rng.nextDouble() < p ? task.answer() : wrongAnswer(task, rng);
        String response = rng.nextDouble() < pStyle
                ? answer + "."
                : String.format(Locale.ROOT, OFF_STYLE.get(rng.nextInt(OFF_STYLE.size())), answer);
        return new Demonstration(task.prompt(), response);
    }

    /** A plausible answer to {@code task} that differs from the correct one. */
    String wrongAnswer(Task task, SplittableRandom rng) {
        String answer = task.answer();
        return switch (task.kind()) {
            case ARITHMETIC -> Integer.toString(wrongNumber(Integer.parseInt(answer), rng));
            case REVERSE, SORT -> swapTwoLetters(answer, rng);
            case UPPER -> {
                int i = rng.nextInt(answer.length());
                yield answer.substring(0, i) + Character.toLowerCase(answer.charAt(i)) + answer.substring(i + 1);
            }
            case FACT -> {
                List<String> values = knowledge.values(knowledge.fact(task.prompt()).attribute());
                int i = rng.nextInt(values.size() - 1);
                yield values.get(i < values.indexOf(answer) ? i : i + 1);
            }
        };
    }

    /** {@code value} plus or minus one, or with one decimal digit of its magnitude changed. */
    private static int wrongNumber(int value, SplittableRandom rng) {
        if (rng.nextBoolean()) {
            return rng.nextBoolean() ? value + 1 : value - 1;
        }
        int magnitude = Math.abs(value);
        int digits = Integer.toString(magnitude).length();
        int place = (int) Math.pow(10, rng.nextInt(digits));
        int digit = magnitude / place % 10;
        int replacement = (digit + 1 + rng.nextInt(9)) % 10;
        int changed = magnitude + (replacement - digit) * place;
        return value < 0 ? -changed : changed;
    }

    /** {@code word} with two different letters swapped; a word of one repeated letter gets its first one changed. */
    private static String swapTwoLetters(String word, SplittableRandom rng) {
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < word.length(); i++) {
            for (int j = i + 1; j < word.length(); j++) {
                if (word.charAt(i) != word.charAt(j)) {
                    pairs.add(new int[] {i, j});
                }
            }
        }
        char[] letters = word.toCharArray();
        if (pairs.isEmpty()) {
            letters[0] = (char) ('a' + (letters[0] - 'a' + 1) % 26);
        } else {
            int[] pair = pairs.get(rng.nextInt(pairs.size()));
            letters[pair[0]] = word.charAt(pair[1]);
            letters[pair[1]] = word.charAt(pair[0]);
        }
        return new String(letters);
    }
}
