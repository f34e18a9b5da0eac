package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;
import java.util.SplittableRandom;

/**
 * A simulated preference annotator, as AlpacaFarm's simulated annotators stand in for people.
 *
 * <p>It exists so that reward-model training sees labels with realistic noise while the truth stays known. Given
 * two responses, it prefers the first with the Bradley–Terry probability
 * {@code sigmoid((score(first) - score(second)) / temperature)} of their {@link Oracle#score oracle scores}, then
 * flips the label with probability {@code flipProbability}. With far-apart scores the better response is thus
 * chosen with probability about {@code 1 - flipProbability}; with equal scores, one half.
 *
 * @param temperature     Bradley–Terry temperature, positive; smaller is more decisive
 * @param flipProbability probability of flipping the label after the Bradley–Terry draw, in [0, 1]
 */
public record Annotator(double temperature, double flipProbability) {

    /** Default temperature: a 0.5 score gap (style alone) is judged right about 99% of the time before flips. */
    public static final double DEFAULT_TEMPERATURE = 0.1;

    /** Default label-flip probability, AlpacaFarm's 25%. */
    public static final double DEFAULT_FLIP_PROBABILITY = 0.25;

    public Annotator {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new HeteroloraException("annotator temperature must be positive and finite, got " + temperature);
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new HeteroloraException("annotator flip probability must be between 0 and 1, got " + flipProbability);
        }
    }

    /** The annotator with the default temperature and flip probability. */
    public static Annotator defaults() {
        return new Annotator(DEFAULT_TEMPERATURE, DEFAULT_FLIP_PROBABILITY);
    }

    /** The probability that {@code first} is chosen over {@code second}, label flips included. */
    public double probabilityFirstChosen(Task task, String first, String second) {
        double bradleyTerry = bradleyTerry(task, first, second);
        return bradleyTerry * (1 - flipProbability) + (1 - bradleyTerry) * flipProbability;
    }

    /** Labels one comparison; draws exactly two numbers from {@code rng}. */
    public Preference label(Task task, String first, String second, SplittableRandom rng) {
        boolean firstChosen = rng.nextDouble() < bradleyTerry(task, first, second);
        if (rng.nextDouble() < flipProbability) {
            firstChosen = !firstChosen;
        }
        return firstChosen ? new Preference(task.prompt(), first, second) : new Preference(task.prompt(), second, first);
    }

    private double bradleyTerry(Task task, String first, String second) {
        double gap = Oracle.score(task, first) - Oracle.score(task, second);
        return 1 / (1 + Math.exp(-gap / temperature));
    }
}
