package dev.heterolora.search;

import dev.heterolora.core.HeteroloraException;
import java.util.Locale;

/**
 * How a plan's LoRA alpha follows from its rank. The genotype only chooses ranks, so the search space needs one
 * rule to turn a rank into a full {@link dev.heterolora.core.SiteAdapter}; it is kept as a parameter because
 * "alpha = 2·rank" (the default, PEFT's common choice) and "one fixed alpha" change the effective learning rate
 * of each adapter differently.
 *
 * <p>Text form (flags and the stored search space): {@code 2r} for proportional, {@code 16} for fixed.
 */
public sealed interface AlphaRule {

    /** The default: alpha = 2·rank, so the PEFT scale alpha/rank is 2 at every rank. */
    AlphaRule DEFAULT = new Proportional(2);

    /** Alpha of an adapter of the given positive rank. */
    double alpha(int rank);

    /** The text form that {@link #parse} reads back. */
    String text();

    /** alpha = factor·rank. */
    record Proportional(double factor) implements AlphaRule {
        public Proportional {
            requirePositive(factor);
        }

        @Override
        public double alpha(int rank) {
            return factor * rank;
        }

        @Override
        public String text() {
            return number(factor) + "r";
        }
    }

    /** The same alpha at every rank. */
    record Fixed(double value) implements AlphaRule {
        public Fixed {
            requirePositive(value);
        }

        @Override
        public double alpha(int rank) {
            return value;
        }

        @Override
        public String text() {
            return number(value);
        }
    }

    /** Parses {@code 2r} (proportional to the rank) or {@code 16} (fixed). */
    static AlphaRule parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        boolean proportional = t.endsWith("r");
        String digits = proportional ? t.substring(0, t.length() - 1) : t;
        double value;
        try {
            value = Double.parseDouble(digits);
        } catch (NumberFormatException e) {
            throw new HeteroloraException("bad alpha rule '" + text + "': expected e.g. 2r (alpha = 2·rank) or 16");
        }
        return proportional ? new Proportional(value) : new Fixed(value);
    }

    private static void requirePositive(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new HeteroloraException("alpha rule needs a positive finite number, got " + v);
        }
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
