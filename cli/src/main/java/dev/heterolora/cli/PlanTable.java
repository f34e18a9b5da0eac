package dev.heterolora.cli;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.SiteKind;
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
        StringBuilder sb = new StringBuilder(String.format("%-5s", "layer"));
        for (SiteKind k : kinds) {
            sb.append(' ').append(String.format("%" + width(k) + "s", label(k)));
        }
        sb.append('\n');
        for (int l = 0; l < layers; l++) {
            sb.append(String.format("%-5d", l));
            for (SiteKind k : kinds) {
                int r = plan.rank(new AdapterSite(l, k));
                sb.append(' ').append(String.format("%" + width(k) + "s", r == 0 ? "." : Integer.toString(r)));
            }
            sb.append('\n');
        }
        if (kinds.stream().anyMatch(SiteKind::isShortcut)) {
            sb.append("(res_a/res_f: residual_attn/ffn, x_sub: cross_sublayer, x_lay: cross_layer)\n");
        }
        return sb.toString();
    }

    private static String label(SiteKind k) {
        return switch (k) {
            case RESIDUAL_ATTN -> "res_a";
            case RESIDUAL_FFN -> "res_f";
            case CROSS_SUBLAYER -> "x_sub";
            case CROSS_LAYER -> "x_lay";
            default -> k.id();
        };
    }

    private static int width(SiteKind k) {
        return Math.max(3, label(k).length());
    }

    /** The table for a plan alone: layers up to its deepest site, the kinds it uses (in the canonical order). */
    static String render(AdapterPlan plan) {
        int layers = plan.adapters().keySet().stream().mapToInt(AdapterSite::layer).max().orElse(-1) + 1;
        List<SiteKind> kinds = Arrays.stream(SiteKind.values())
                .filter(k -> plan.adapters().keySet().stream().anyMatch(s -> s.kind() == k)).toList();
        return render(plan, layers, kinds);
    }
}
