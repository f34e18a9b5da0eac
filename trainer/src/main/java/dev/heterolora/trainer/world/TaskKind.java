package dev.heterolora.trainer.world;

import dev.heterolora.core.HeteroloraException;
import java.util.Locale;

/**
 * The kinds of task in the embedded world.
 *
 * <p>It exists so that data files, mixes and reports name a task family the same way everywhere. The four
 * computed kinds test skills a model can learn from examples and apply to new instances; {@link #FACT} tests
 * knowledge memorised from the demonstrations, which is what factuality is measured on.
 */
public enum TaskKind {
    /** {@code 12+35=} → {@code 47}; also {@code -} (possibly negative) and {@code *} on small operands. */
    ARITHMETIC,
    /** {@code rev:abcd=} → {@code dcba}. */
    REVERSE,
    /** {@code sort:dcab=} → {@code abcd}. */
    SORT,
    /** {@code up:word=} → {@code WORD}. */
    UPPER,
    /** {@code capital of Zorbia?} → {@code Quint}, from the {@link KnowledgeBase}. */
    FACT;

    /** The lower-case name used in JSONL files, e.g. {@code fact}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind named {@code name} as written by {@link #jsonName()}.
     *
     * @throws HeteroloraException if no kind has that name
     */
    public static TaskKind parse(String name) {
        for (TaskKind kind : values()) {
            if (kind.jsonName().equals(name)) {
                return kind;
            }
        }
        throw new HeteroloraException("unknown task kind '" + name + "' (expected arithmetic, reverse, sort, upper or fact)");
    }
}
