package dev.heterolora.studies;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one console statement returned, with the three ways the CLI prints it: an aligned table for people,
 * CSV and JSON for other tools.
 *
 * <p>Cells are {@code null}, String, Boolean, a {@link Number} (Integer, Long, Double, BigDecimal, ...) or a List
 * (SQL arrays). Statements other than queries have no columns and rows, and {@code updateCount >= 0}.
 *
 * @param columns     column labels as the database reports them (H2 upper-cases unquoted names)
 * @param rows        one list per row, each as long as {@code columns}; may hold nulls
 * @param updateCount rows changed by a non-query statement; {@code -1} for a query
 */
public record QueryResult(List<String> columns, List<List<Object>> rows, int updateCount) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MathContext SIX_DIGITS = new MathContext(6, RoundingMode.HALF_EVEN);

    /** Copies columns and rows into unmodifiable lists (rows may hold nulls) and checks the row widths. */
    public QueryResult {
        columns = List.copyOf(columns);
        List<List<Object>> copy = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("row has " + row.size() + " cells for " + columns.size() + " columns");
            }
            copy.add(Collections.unmodifiableList(new ArrayList<>(row)));
        }
        rows = Collections.unmodifiableList(copy);
    }

    /** Whether this is the result of a query (as opposed to an update count). */
    public boolean isQuery() {
        return updateCount < 0;
    }

    /**
     * A table for the terminal: a header, a line of dashes, one line per row and a row count; columns are
     * separated by two spaces and padded, numeric columns right-aligned, NULL shown as {@code NULL}, doubles with
     * at most six significant digits (use CSV or JSON for full precision), line breaks and tabs inside values
     * escaped as {@code \n}, {@code \r}, {@code \t}. Trailing spaces are trimmed. A non-query gives
     * {@code (N rows affected)}.
     */
    public String toAlignedTable() {
        if (!isQuery()) {
            return "(" + updateCount + (updateCount == 1 ? " row" : " rows") + " affected)\n";
        }
        int n = columns.size();
        List<List<String>> cells = rows.stream().map(row -> row.stream().map(QueryResult::display).toList()).toList();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int i = 0; i < n; i++) {
            width[i] = columns.get(i).length();
            boolean anyNumber = false;
            boolean allNumbers = true;
            for (int r = 0; r < rows.size(); r++) {
                Object value = rows.get(r).get(i);
                anyNumber |= value instanceof Number;
                allNumbers &= value == null || value instanceof Number;
                width[i] = Math.max(width[i], cells.get(r).get(i).length());
            }
            numeric[i] = anyNumber && allNumbers;
        }
        StringBuilder out = new StringBuilder();
        appendLine(out, columns, width, numeric);
        appendLine(out, Arrays.stream(width).mapToObj("-"::repeat).toList(), width, new boolean[n]);
        cells.forEach(row -> appendLine(out, row, width, numeric));
        out.append('(').append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)").append('\n');
        return out.toString();
    }

    /**
     * RFC 4180 CSV: a header line, one record per row, CRLF line ends; fields with commas, quotes or line breaks
     * quoted with doubled quotes. NULL is an empty field; doubles keep full precision (NaN as {@code NaN}).
     * A non-query gives an empty string.
     */
    public String toCsv() {
        if (!isQuery()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append(columns.stream().map(QueryResult::csvField).collect(Collectors.joining(","))).append("\r\n");
        for (List<Object> row : rows) {
            out.append(row.stream().map(v -> csvField(v == null ? "" : csvText(v))).collect(Collectors.joining(",")))
                    .append("\r\n");
        }
        return out.toString();
    }

    /**
     * A JSON array with one object per row, keys in column order and lower case (a repeated column label gets a
     * {@code _2}, {@code _3}, ... suffix); non-finite doubles become {@code null}, decimals (an AVG's BigDecimal)
     * JSON numbers of double precision. A non-query gives {@code []}.
     */
    public String toJson() {
        List<String> keys = uniqueKeys(columns.stream().map(c -> c.toLowerCase(java.util.Locale.ROOT)).toList());
        ArrayNode array = JSON.createArrayNode();
        for (List<Object> row : rows) {
            ObjectNode object = array.addObject();
            for (int i = 0; i < keys.size(); i++) {
                object.set(keys.get(i), jsonValue(row.get(i)));
            }
        }
        try {
            return JSON.writeValueAsString(array);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain JSON nodes always serializes", e);
        }
    }

    private static void appendLine(StringBuilder out, List<String> cells, int[] width, boolean[] rightAligned) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(width[i] - cells.get(i).length());
            line.append(rightAligned[i] ? pad + cells.get(i) : cells.get(i) + pad);
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String display(Object value) {
        return switch (value) {
            case null -> "NULL";
            case Double d -> compact(d);
            case Float f -> compact(f.doubleValue());
            case BigDecimal b -> b.toPlainString();
            default -> value.toString().replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        };
    }

    /** Like C's {@code %g} with six significant digits but without trailing zeros: {@code 0.333333}, {@code 2}, {@code 1.5e-5}. */
    static String compact(double d) {
        if (!Double.isFinite(d)) {
            return Double.toString(d);
        }
        if (d == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(d).round(SIX_DIGITS).stripTrailingZeros();
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= -4 && exponent < 6) {
            return rounded.toPlainString();
        }
        String digits = rounded.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + exponent;
    }

    private static String csvText(Object value) {
        return value instanceof BigDecimal b ? b.toPlainString() : value.toString();
    }

    private static String csvField(String text) {
        boolean quote = text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r");
        return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    private static List<String> uniqueKeys(List<String> labels) {
        Set<String> used = new HashSet<>();
        List<String> keys = new ArrayList<>();
        for (String label : labels) {
            String key = label;
            for (int k = 2; !used.add(key); k++) {
                key = label + "_" + k;
            }
            keys.add(key);
        }
        return keys;
    }

    private static JsonNode jsonValue(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (value) {
            case null -> f.nullNode();
            case Double d -> Double.isFinite(d) ? f.numberNode(d) : f.nullNode();
            case Float x -> Float.isFinite(x) ? f.numberNode(x) : f.nullNode();
            case BigDecimal b -> b.stripTrailingZeros().scale() <= 0 && b.toBigInteger().bitLength() < 64
                    ? f.numberNode(b.longValue()) : f.numberNode(b.doubleValue());
            case BigInteger b -> f.numberNode(b);
            case Long l -> f.numberNode(l);
            case Number n -> f.numberNode(n.intValue());
            case Boolean b -> f.booleanNode(b);
            case List<?> list -> {
                ArrayNode array = f.arrayNode();
                list.forEach(item -> array.add(jsonValue(item)));
                yield array;
            }
            default -> f.textNode(value.toString());
        };
    }
}
