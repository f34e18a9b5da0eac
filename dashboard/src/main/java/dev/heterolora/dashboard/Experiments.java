package dev.heterolora.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tables that {@code experiment …} commands store as runs of kind {@code experiment-*}, shown generically so that a
 * new experiment needs no dashboard change. The run's configuration is the table: a JSON array of row objects, or an
 * object whose first array of objects is the table (its other plain fields are the experiment's settings).
 *
 * <p>Columns are the rows' fields in the order they first appear; an object field that is not an interval becomes one
 * column per member ({@code accuracy_by_kind.facts}). A value with a 95 % confidence interval is one cell
 * {@code value [low, high]}, whichever of these ways it was stored: an object {@code {"mean", "ci_low", "ci_high"}}
 * ({@code value}/{@code low}/{@code high} also do), sibling fields {@code c_ci_low}/{@code c_ci_high},
 * {@code c_low}/{@code c_high} or {@code c_lo}/{@code c_hi}, or a sibling {@code c_ci} holding {@code [low, high]};
 * sibling bounds get no column of their own.
 */
final class Experiments {
    /** Sibling-field suffixes that hold an interval's ends, in pairs (low, high). */
    private static final List<List<String>> BOUNDS = List.of(List.of("_ci_low", "_ci_high"), List.of("_low", "_high"),
            List.of("_lo", "_hi"));
    private static final String CI_ARRAY = "_ci";

    private final ReadOnlyDatabase db;
    private final Runs runs;

    Experiments(ReadOnlyDatabase db, Runs runs) {
        this.db = db;
        this.runs = runs;
    }

    /**
     * One cell of an experiment table.
     *
     * @param value the stored value (a number, text, or JSON for anything else)
     * @param low   the lower end of its confidence interval, or null
     * @param high  the upper end, or null
     */
    record Cell(JsonNode value, Double low, Double high) {}

    /** An experiment run: its settings and its table, each row a cell per column. */
    record Experiment(Runs.RunRow run, Map<String, JsonNode> settings, List<String> columns,
                      List<Map<String, Cell>> rows) {}

    /** A page of experiment runs, newest first, each with its table. */
    Paging.Page<Experiment> list(Paging paging) {
        Paging.Page<Runs.RunRow> page = runs.list(null, "experiment-*", paging);
        List<Experiment> out = new ArrayList<>();
        for (Runs.RunRow run : page.items()) {
            Optional<String> config = db.first("SELECT config_json FROM run WHERE id = ?", rs -> rs.getString(1), run.id());
            out.add(table(run, JsonText.parse(config.orElse(null))));
        }
        return paging.page(page.total(), out);
    }

    /** The table a run's configuration holds, read as described in the class comment. */
    static Experiment table(Runs.RunRow run, JsonNode config) {
        Map<String, JsonNode> settings = new LinkedHashMap<>();
        JsonNode array = config;
        if (config != null && config.isObject()) {
            array = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (array == null && f.getValue().isArray() && !f.getValue().isEmpty() && f.getValue().get(0).isObject()) {
                    array = f.getValue();
                } else if (!f.getValue().isContainerNode() || f.getValue().isArray()) {
                    settings.put(f.getKey(), f.getValue());
                }
            }
        }
        List<Map<String, JsonNode>> flat = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(r -> {
                if (r.isObject()) {
                    flat.add(flatten(r));
                }
            });
        }
        Set<String> keys = new LinkedHashSet<>();
        flat.forEach(r -> keys.addAll(r.keySet()));
        Set<String> bounds = new LinkedHashSet<>();
        for (String key : keys) {
            pair(key, keys).ifPresent(bounds::addAll);
        }
        List<String> columns = keys.stream().filter(k -> !bounds.contains(k)).toList();
        List<Map<String, Cell>> rows = flat.stream().map(r -> {
            Map<String, Cell> row = new LinkedHashMap<>();
            columns.forEach(c -> row.put(c, cell(c, r, keys)));
            return row;
        }).toList();
        return new Experiment(run, settings, columns, rows);
    }

    /** A row's fields, object members one level down under dotted names (intervals stay whole). */
    private static Map<String, JsonNode> flatten(JsonNode row) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isObject() && interval(f.getValue()).isEmpty()) {
                f.getValue().fields().forEachRemaining(m -> out.put(f.getKey() + "." + m.getKey(), m.getValue()));
            } else {
                out.put(f.getKey(), f.getValue());
            }
        }
        return out;
    }

    /** The sibling fields that hold the interval of column {@code key}, if the rows have them. */
    private static Optional<List<String>> pair(String key, Set<String> keys) {
        if (keys.contains(key + CI_ARRAY)) {
            return Optional.of(List.of(key + CI_ARRAY));
        }
        return BOUNDS.stream().filter(b -> keys.contains(key + b.get(0)) && keys.contains(key + b.get(1)))
                .findFirst().map(b -> List.of(key + b.get(0), key + b.get(1)));
    }

    private static Cell cell(String column, Map<String, JsonNode> row, Set<String> keys) {
        JsonNode value = row.get(column);
        Optional<Cell> whole = value == null ? Optional.empty() : interval(value);
        if (whole.isPresent()) {
            return whole.get();
        }
        Optional<double[]> bounds = siblingBounds(column, row, keys);
        return new Cell(value != null && value.isObject() ? TextNode.valueOf(value.toString()) : value,
                bounds.map(b -> b[0]).orElse(null), bounds.map(b -> b[1]).orElse(null));
    }

    /** The interval of a column that sibling fields of the row hold, if they hold two numbers. */
    private static Optional<double[]> siblingBounds(String column, Map<String, JsonNode> row, Set<String> keys) {
        List<String> siblings = pair(column, keys).orElse(List.of());
        JsonNode low = null;
        JsonNode high = null;
        if (siblings.size() == 2) {
            low = row.get(siblings.get(0));
            high = row.get(siblings.get(1));
        } else if (siblings.size() == 1 && row.get(siblings.get(0)) instanceof JsonNode ci && ci.isArray()
                && ci.size() == 2) {
            low = ci.get(0);
            high = ci.get(1);
        }
        return number(low) != null && number(high) != null ? Optional.of(new double[] {low.asDouble(), high.asDouble()})
                : Optional.empty();
    }

    /** An object {@code {"mean", "ci_low", "ci_high"}} (or value/low/high) as a cell with its interval. */
    private static Optional<Cell> interval(JsonNode v) {
        if (!v.isObject()) {
            return Optional.empty();
        }
        JsonNode mean = v.has("mean") ? v.get("mean") : v.get("value");
        JsonNode low = v.has("ci_low") ? v.get("ci_low") : v.get("low");
        JsonNode high = v.has("ci_high") ? v.get("ci_high") : v.get("high");
        if (mean == null || low == null || high == null) {
            return Optional.empty();
        }
        return Optional.of(new Cell(mean, number(low), number(high)));
    }

    private static Double number(JsonNode n) {
        return n != null && n.isNumber() ? n.asDouble() : null;
    }
}
