package dev.heterolora.core;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A trainable-parameter budget: either a fraction of the base model's parameters or an absolute count.
 *
 * <p>It exists because users state budgets both ways ({@code 0.2%}, {@code 0.002}, {@code 150k}) and the search
 * needs one concrete parameter limit per base model; {@link #parse} accepts every spelling in one place and
 * {@link #limit} turns the budget into a count. {@link #toString} gives a spelling {@link #parse} reads back
 * to an equal budget.
 *
 * <p>A plain number below 1 is a fraction; 1 and above is a parameter count and must be whole. A count may carry
 * a case-insensitive {@code k}, {@code M} or {@code G} suffix (thousand, million, billion).
 *
 * @param kind  whether {@code value} is a fraction or a count
 * @param value the fraction in (0, 1], or the whole parameter count (at most 2^53)
 */
public record Budget(Kind kind, double value) {

    /** How {@link Budget#value} is meant. */
    public enum Kind {
        /** A share of the base model's parameters, in (0, 1]. */
        FRACTION,
        /** A whole number of parameters, independent of the base model. */
        ABSOLUTE
    }

    /** Largest count held exactly in a double; far beyond any model. */
    private static final long MAX_COUNT = 1L << 53;

    private static final Pattern NUMBER = Pattern.compile("-?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private static final String FORMS =
            "expected a fraction like 0.2% or 0.002, or a parameter count like 150000, 150k or 1.5M";

    public Budget {
        if (kind == null) {
            throw new HeteroloraException("parameter budget kind is missing");
        }
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new HeteroloraException("parameter budget must be a positive finite number, got " + value);
        }
        if (kind == Kind.FRACTION && value > 1) {
            throw new HeteroloraException("parameter budget fraction must be at most 1 (100%), got " + value);
        }
        if (kind == Kind.ABSOLUTE && (value != Math.rint(value) || value > MAX_COUNT)) {
            throw new HeteroloraException(
                    "parameter budget count must be a whole number up to " + MAX_COUNT + ", got " + value);
        }
    }

    /**
     * Parses {@code 0.2%}, {@code 0.002}, {@code 150000}, {@code 150k}, {@code 1.5M}, {@code 2G} or
     * {@code 100%}, ignoring surrounding spaces.
     *
     * @throws HeteroloraException with a one-line message quoting {@code text} if it is none of these
     */
    public static Budget parse(String text) {
        if (text == null || text.isBlank()) {
            throw new HeteroloraException("parameter budget is empty; " + FORMS);
        }
        String trimmed = text.strip();
        if (trimmed.endsWith("%")) {
            BigDecimal percent = number(trimmed, trimmed.substring(0, trimmed.length() - 1));
            if (percent.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw bad(trimmed, "a fraction cannot exceed 100%");
            }
            return fraction(trimmed, percent.movePointLeft(2));
        }
        int exponent = switch (Character.toLowerCase(trimmed.charAt(trimmed.length() - 1))) {
            case 'k' -> 3;
            case 'm' -> 6;
            case 'g' -> 9;
            default -> 0;
        };
        if (exponent > 0) {
            return count(trimmed, number(trimmed, trimmed.substring(0, trimmed.length() - 1)).movePointRight(exponent));
        }
        BigDecimal number = number(trimmed, trimmed);
        return number.compareTo(BigDecimal.ONE) < 0 ? fraction(trimmed, number) : count(trimmed, number);
    }

    /** A fraction written without {@code %} above this share is most likely a forgotten {@code %}. */
    private static final BigDecimal LIKELY_PERCENT = new BigDecimal("0.05");

    /**
     * A warning for a fraction above 5 % written without {@code %} ({@code 0.2} is 20 %, which users seldom mean),
     * e.g. {@code 0.2 means 20 % of the trainable base; did you mean 0.2%?}; empty for every other spelling.
     */
    public static Optional<String> forgottenPercent(String text) {
        Budget b = parse(text);
        String trimmed = text.strip();
        if (b.kind != Kind.FRACTION || trimmed.endsWith("%") || decimal(b.value).compareTo(LIKELY_PERCENT) <= 0) {
            return Optional.empty();
        }
        return Optional.of(String.format("%s means %s of the trainable base; did you mean %s%%?", trimmed,
                percent(decimal(b.value)), trimmed));
    }

    /**
     * The budget for a base model of {@code baseParameters} parameters in words, e.g.
     * {@code 24,678 parameters (20 % of 123,392)}; the share has at most three significant digits for a count.
     */
    public String describe(long baseParameters) {
        BigDecimal share = kind == Kind.FRACTION ? decimal(value) : baseParameters == 0 ? null
                : BigDecimal.valueOf(limit(baseParameters)).divide(BigDecimal.valueOf(baseParameters),
                        new MathContext(3, RoundingMode.HALF_EVEN));
        return String.format(Locale.ROOT, "%,d parameters (%s of %,d)", limit(baseParameters),
                share == null ? "-" : percent(share), baseParameters);
    }

    private static String percent(BigDecimal fraction) {
        return fraction.movePointRight(2).stripTrailingZeros().toPlainString() + " %";
    }

    private static BigDecimal number(String text, String digits) {
        BigDecimal number;
        try {
            if (!NUMBER.matcher(digits).matches()) {
                throw new NumberFormatException();
            }
            number = new BigDecimal(digits);
        } catch (NumberFormatException e) {
            throw bad(text, "not a number; " + FORMS);
        }
        if (number.signum() < 0) {
            throw bad(text, "must be positive");
        }
        if (number.signum() == 0) {
            throw bad(text, "must be greater than zero");
        }
        return number;
    }

    private static Budget fraction(String text, BigDecimal fraction) {
        double value = fraction.doubleValue();
        if (value == 0) {
            throw bad(text, "fraction is too small to represent");
        }
        return new Budget(Kind.FRACTION, value);
    }

    private static final String WHOLE =
            "a parameter count must be whole; numbers of 1 or more are counts, so add % for a percentage";

    private static Budget count(String text, BigDecimal count) {
        if (count.compareTo(BigDecimal.valueOf(MAX_COUNT)) > 0) {
            throw bad(text, "more than the " + MAX_COUNT + " parameters supported");
        }
        if (count.stripTrailingZeros().scale() > 0) {
            throw bad(text, WHOLE);
        }
        return new Budget(Kind.ABSOLUTE, count.doubleValue());
    }

    private static HeteroloraException bad(String text, String problem) {
        return new HeteroloraException("bad parameter budget '" + text + "': " + problem);
    }

    /**
     * The most trainable parameters allowed for a base model of {@code baseParameters} parameters: the count
     * itself, or the fraction times the base rounded down. The fraction is taken as the shortest decimal that
     * denotes it ({@code 0.3}, not the binary double just below), so {@code 30%} of 10 is 3, not 2.
     */
    public long limit(long baseParameters) {
        if (baseParameters < 0) {
            throw new IllegalArgumentException("base parameter count must be >= 0, got " + baseParameters);
        }
        if (kind == Kind.ABSOLUTE) {
            return (long) value;
        }
        return decimal(value).multiply(BigDecimal.valueOf(baseParameters))
                .setScale(0, RoundingMode.FLOOR)
                .longValueExact();
    }

    private static BigDecimal decimal(double value) {
        return new BigDecimal(Double.toString(value));
    }

    /** {@code 0.2%} for fractions, {@code 150000} for counts; {@link #parse} reads it back unchanged. */
    @Override
    public String toString() {
        if (kind == Kind.ABSOLUTE) {
            return Long.toString((long) value);
        }
        return decimal(value).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }
}
