package dev.heterolora.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * HeteroLoRA's comparison in numbers: every allocation method's plan trained at the same budget under the same seeds,
 * summarised per (budget, method) as mean ± 95 % CI over seeds of the held-out loss and the oracle accuracy (overall
 * and per task kind), and the <em>paired</em> difference against the reference method (PEFT's default LoRA) over the
 * seeds both have — the number that says whether uneven allocation beats plain LoRA.
 */
public final class AllocationTable {
    private AllocationTable() {}

    /**
     * One trained cell.
     *
     * @param lossByKind     held-out loss per task kind
     * @param accuracyByKind oracle accuracy per task kind
     */
    public record Cell(String budget, long seed, String method, long params, double loss, double accuracy,
                       Map<String, Double> lossByKind, Map<String, Double> accuracyByKind) {}

    /**
     * One (budget, method) line. The differences are method − reference per seed (loss: negative = better than the
     * reference; accuracy: positive = better); both are NaN for the reference itself.
     */
    public record Row(String budget, String method, double params, MeanInterval loss, MeanInterval accuracy,
                      Map<String, MeanInterval> accuracyByKind, MeanInterval lossVsReference,
                      MeanInterval accuracyVsReference) {}

    /** The rows in budget order (as first seen) and method order (as first seen). */
    public static List<Row> rows(List<Cell> cells, String reference) {
        Set<String> budgets = new LinkedHashSet<>();
        Set<String> methods = new LinkedHashSet<>();
        cells.forEach(c -> {
            budgets.add(c.budget());
            methods.add(c.method());
        });
        List<Row> rows = new ArrayList<>();
        for (String budget : budgets) {
            Map<Long, Cell> ref = bySeed(cells, budget, reference);
            for (String method : methods) {
                Map<Long, Cell> mine = bySeed(cells, budget, method);
                if (mine.isEmpty()) {
                    continue;
                }
                List<Cell> list = List.copyOf(mine.values());
                Set<String> kinds = new TreeSet<>();
                list.forEach(c -> kinds.addAll(c.accuracyByKind().keySet()));
                Map<String, MeanInterval> byKind = new LinkedHashMap<>();
                kinds.forEach(k -> byKind.put(k, MeanInterval.of(list.stream()
                        .mapToDouble(c -> c.accuracyByKind().getOrDefault(k, Double.NaN)).toArray())));
                boolean isRef = method.equals(reference);
                rows.add(new Row(budget, method, list.stream().mapToLong(Cell::params).average().orElse(Double.NaN),
                        MeanInterval.of(list.stream().mapToDouble(Cell::loss).toArray()),
                        MeanInterval.of(list.stream().mapToDouble(Cell::accuracy).toArray()), byKind,
                        isRef ? MeanInterval.of(new double[0]) : paired(mine, ref, Cell::loss),
                        isRef ? MeanInterval.of(new double[0]) : paired(mine, ref, Cell::accuracy)));
            }
        }
        return rows;
    }

    /** The row of {@code method} at {@code budget}, if any. */
    public static Optional<Row> find(List<Row> rows, String budget, String method) {
        return rows.stream().filter(r -> r.budget().equals(budget) && r.method().equals(method)).findFirst();
    }

    private static Map<Long, Cell> bySeed(List<Cell> cells, String budget, String method) {
        Map<Long, Cell> out = new LinkedHashMap<>();
        cells.stream().filter(c -> c.budget().equals(budget) && c.method().equals(method))
                .forEach(c -> out.put(c.seed(), c));
        return out;
    }

    private static MeanInterval paired(Map<Long, Cell> mine, Map<Long, Cell> ref, ToDoubleFunction<Cell> f) {
        return MeanInterval.of(mine.entrySet().stream().filter(e -> ref.containsKey(e.getKey()))
                .mapToDouble(e -> f.applyAsDouble(e.getValue()) - f.applyAsDouble(ref.get(e.getKey()))).toArray());
    }

    /** The rows as JSON (the form stored with the experiment's run and printed by {@code --json}). */
    public static ArrayNode toJson(List<Row> rows, ObjectMapper mapper) {
        ArrayNode arr = mapper.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = arr.addObject().put("budget", r.budget()).put("method", r.method())
                    .put("params", r.params());
            put(o, "loss", r.loss());
            put(o, "accuracy", r.accuracy());
            ObjectNode kinds = o.putObject("accuracy_by_kind");
            r.accuracyByKind().forEach((k, v) -> put(kinds, k, v));
            put(o, "loss_vs_reference", r.lossVsReference());
            put(o, "accuracy_vs_reference", r.accuracyVsReference());
        }
        return arr;
    }

    private static void put(ObjectNode o, String key, MeanInterval m) {
        ObjectNode v = o.putObject(key);
        v.put("mean", m.mean()).put("ci_low", m.low()).put("ci_high", m.high()).put("n", m.n());
    }
}
