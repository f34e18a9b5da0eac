package dev.heterolora.cli;

import dev.heterolora.model.AdapterPlan;
import dev.heterolora.model.AdapterSite;
import dev.heterolora.model.SiteKind;
import java.util.Arrays;
import java.util.List;

/** Renders a plan as a compact layers × site-kinds table of ranks ({@code .} = off). */
final class PlanTable {
    private PlanTable() {}

    /**
     * @param layers number of layer rows
     * @param kinds the columns, in order
     */
    static String render(AdapterPlan plan, int layers, List<SiteKind> kinds) {
        int width = Math.max(3, kinds.stream().mapToInt(k -> k.id().length()).max().orElse(3));
        StringBuilder sb = new StringBuilder(String.format("%-6s", "layer"));
        for (SiteKind k : kinds) {
            sb.append(' ').append(String.format("%" + width + "s", k.id()));
        }
        sb.append('\n');
        for (int l = 0; l < layers; l++) {
            sb.append(String.format("%-6d", l));
            for (SiteKind k : kinds) {
                int r = plan.rank(new AdapterSite(l, k));
                sb.append(' ').append(String.format("%" + width + "s", r == 0 ? "." : Integer.toString(r)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The table for a plan alone: layers up to its deepest site, the kinds it uses (in the canonical order). */
    static String render(AdapterPlan plan) {
        int layers = plan.adapters().keySet().stream().mapToInt(AdapterSite::layer).max().orElse(-1) + 1;
        List<SiteKind> kinds = Arrays.stream(SiteKind.values())
                .filter(k -> plan.adapters().keySet().stream().anyMatch(s -> s.kind() == k)).toList();
        return render(plan, layers, kinds);
    }
}
