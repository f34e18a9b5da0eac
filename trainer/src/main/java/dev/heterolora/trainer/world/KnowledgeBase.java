package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded synthetic knowledge base: invented entities with invented attribute values.
 *
 * <p>It exists so that factuality can be measured exactly: nothing about these entities can be computed or known
 * from outside, so a model answers {@code capital of Zorbia?} correctly only if it memorised the fact from its
 * training demonstrations. Entity names and capitals are pronounceable syllable strings, all distinct from each
 * other; colours and animals come from fixed lists. Everything is a function of the seed.
 */
public final class KnowledgeBase {

    /** What can be asked about an entity; the question is {@code "<label> of <Entity>?"}. */
    public enum Attribute {
        /** A capital city: a syllable name unique to the entity. */
        CAPITAL,
        /** A colour from {@link #COLORS}. */
        COLOR,
        /** An animal from {@link #ANIMALS}. */
        ANIMAL;

        /** The word used in questions, e.g. {@code capital}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One fact of the knowledge base.
     *
     * @param entity    the entity's name, e.g. {@code Zorbia}
     * @param attribute what is asked
     * @param value     the true value, e.g. {@code Quint}
     */
    public record Fact(String entity, Attribute attribute, String value) {

        /** The question {@code "<attribute> of <entity>?"} with this fact's value as its answer. */
        public Task task() {
            return new Task(TaskKind.FACT, attribute.label() + " of " + entity + "?", value);
        }
    }

    /** The colours an entity can have. */
    public static final List<String> COLORS =
            List.of("amber", "teal", "ochre", "jade", "coral", "slate", "plum", "rust", "ivory", "indigo");

    /** The animals an entity can have. */
    public static final List<String> ANIMALS =
            List.of("otter", "lynx", "heron", "badger", "gecko", "ibex", "marten", "newt", "okapi", "tapir");

    /** The most entities a knowledge base holds; far more than a ~1M-parameter model can memorise. */
    public static final int MAX_ENTITIES = 10_000;

    private static final String[] ONSETS =
            {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "qu", "st", "tr"};
    private static final String[] VOWELS = {"a", "e", "i", "o", "u"};
    private static final String[] CODAS = {"", "", "n", "r", "l", "s"};

    /** Draws per wanted name before giving up on finding a new one; the name space is far larger than needed. */
    private static final int ATTEMPTS_PER_NAME = 100;

    private final List<String> entities;
    private final List<Fact> facts;
    private final Map<Attribute, List<String>> values;
    private final Map<String, Fact> byQuestion = new HashMap<>();

    private KnowledgeBase(List<String> entities, List<Fact> facts, Map<Attribute, List<String>> values) {
        this.entities = entities;
        this.facts = facts;
        this.values = values;
        facts.forEach(fact -> byQuestion.put(fact.task().prompt(), fact));
    }

    /**
     * Generates {@code entities} entities from {@code seed}.
     *
     * @throws HeteroloraException if {@code entities} is not between 2 and {@link #MAX_ENTITIES}
     */
    public static KnowledgeBase generate(long seed, int entities) {
        if (entities < 2 || entities > MAX_ENTITIES) {
            throw new HeteroloraException(
                    "the knowledge base needs between 2 and " + MAX_ENTITIES + " entities, got " + entities);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Set<String> used = new HashSet<>();
        List<String> names = new ArrayList<>(entities);
        List<String> capitals = new ArrayList<>(entities);
        for (int i = 0; i < entities; i++) {
            names.add(freshName(rng, used, 2, 3));
            capitals.add(freshName(rng, used, 1, 2));
        }
        List<Fact> facts = new ArrayList<>(entities * Attribute.values().length);
        for (int i = 0; i < entities; i++) {
            facts.add(new Fact(names.get(i), Attribute.CAPITAL, capitals.get(i)));
            facts.add(new Fact(names.get(i), Attribute.COLOR, COLORS.get(rng.nextInt(COLORS.size()))));
            facts.add(new Fact(names.get(i), Attribute.ANIMAL, ANIMALS.get(rng.nextInt(ANIMALS.size()))));
        }
        Map<Attribute, List<String>> values = new EnumMap<>(Attribute.class);
        values.put(Attribute.CAPITAL, List.copyOf(capitals));
        values.put(Attribute.COLOR, COLORS);
        values.put(Attribute.ANIMAL, ANIMALS);
        return new KnowledgeBase(List.copyOf(names), List.copyOf(facts), values);
    }

    private static String freshName(SplittableRandom rng, Set<String> used, int minSyllables, int maxSyllables) {
        for (int attempt = 0; attempt < ATTEMPTS_PER_NAME; attempt++) {
            StringBuilder name = new StringBuilder();
            int syllables = minSyllables + rng.nextInt(maxSyllables - minSyllables + 1);
            for (int s = 0; s < syllables; s++) {
                name.append(ONSETS[rng.nextInt(ONSETS.length)])
                        .append(VOWELS[rng.nextInt(VOWELS.length)])
                        .append(CODAS[rng.nextInt(CODAS.length)]);
            }
            name.setCharAt(0, Character.toUpperCase(name.charAt(0)));
            if (used.add(name.toString())) {
                return name.toString();
            }
        }
        throw new HeteroloraException("cannot invent enough distinct names for the knowledge base");
    }

    /** The entity names, in generation order. */
    public List<String> entities() {
        return entities;
    }

    /** Every fact, entity by entity in generation order, attributes in declaration order. */
    public List<Fact> facts() {
        return facts;
    }

    /**
     * The fact that {@code question} asks about.
     *
     * @throws HeteroloraException if it asks about no fact of this knowledge base
     */
    public Fact fact(String question) {
        Fact fact = byQuestion.get(question);
        if (fact == null) {
            throw new HeteroloraException("'" + question + "' asks about no fact of the knowledge base");
        }
        return fact;
    }

    /** The values {@code attribute} can take, in a fixed order; always at least two. */
    public List<String> values(Attribute attribute) {
        return values.get(attribute);
    }
}
