package dev.heterolora.trainer.ppo;

import dev.heterolora.core.HeteroloraException;
import java.util.Locale;

/**
 * Where PPO's value function lives, a CLI choice stored with each run so a resumed run rebuilds the same one.
 *
 * @param kind {@link Kind#SEPARATE} (the paper's: a value model initialised from the reward model) or
 *             {@link Kind#SHARED} (a head on the policy's backbone)
 * @param rank LoRA rank of the separate value model's adapters (uniform over its projections; unused otherwise)
 */
public record ValueSetup(Kind kind, int rank) {
    /** The two places a value function can live. */
    public enum Kind {
        /** A value model initialised from the reward model, with its own adapters and a zero scalar head. */
        SEPARATE,
        /** A zero scalar head on the policy's own hidden states (no second backbone pass). */
        SHARED;

        /** The CLI spelling. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ValueSetup {
        if (kind == null) {
            throw new HeteroloraException("a value setup needs a kind (separate or shared)");
        }
        if (rank < 1) {
            throw new HeteroloraException("--value-rank must be >= 1, got " + rank);
        }
    }

    /** The paper's setup: a separate value model with rank-8 adapters. */
    public static ValueSetup defaults() {
        return new ValueSetup(Kind.SEPARATE, 8);
    }

    /** Parses {@code --value}: {@code separate} or {@code shared}. */
    public static Kind parseKind(String text) {
        for (Kind k : Kind.values()) {
            if (k.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new HeteroloraException("--value must be 'separate' or 'shared', got '" + text + "'");
    }
}
