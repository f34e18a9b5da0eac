package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.app.SearchConfig;
import dev.heterolora.app.SearchJob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.heterolora.core.Budget;
import dev.heterolora.core.SiteKind;
import dev.heterolora.search.BaselineResult;
import dev.heterolora.search.SearchResult;
import dev.heterolora.search.SearchSpace;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;

/** How {@code search} prints its outcome: the best plan as a layers × sites table, or one JSON summary line. */
final class SearchReport {
    private SearchReport() {}

    /** The baselines at the same budget, scored by the same objective, next to the best plan. */
    private static void printBaselines(PrintWriter out, List<BaselineResult> baselines, double best) {
        if (baselines.isEmpty()) {
            return;
        }
        out.println("baselines at the same budget (same objective):");
        for (BaselineResult b : baselines) {
            switch (b) {
                case BaselineResult.Scored s -> out.printf("  %-13s %,9d params  fitness %.6g  (best plan: %s)%n",
                        s.baseline().id(), s.parameters(), s.fitness(), ratio(best, s.fitness()));
                case BaselineResult.DoesNotFit d -> out.printf("  %-13s does not fit: needs %,d parameters%n",
                        d.baseline().id(), d.needsParameters());
            }
        }
    }

    private static String ratio(double best, double baseline) {
        return baseline > 0 && Double.isFinite(best) ? String.format("%.2f×", best / baseline) : "—";
    }

    static void print(PrintWriter out, SearchJob.Outcome outcome, boolean json, String studyRef) {
        SearchConfig c = outcome.config();
        SearchResult r = outcome.result();
        long studyId = outcome.studyId();
        var best = r.best();
        if (json) {
            ObjectNode o = Json.object();
            o.put("study", studyId).put("strategy", r.strategy()).put("evaluations", r.evaluations())
                    .put("seconds", outcome.seconds()).put("search_seconds", outcome.searchSeconds())
                    .put("plans_per_second", outcome.plansPerSecond()).put("budget", c.budgetText())
                    .put("budget_limit", c.budgetLimit())
                    .put("base_params", c.baseParams());
            ObjectNode b = o.putObject("best");
            b.put("fitness", best.evaluation().fitness()).put("params", best.parameters());
            b.set("plan", best.plan().toJson());
            ObjectNode p = b.putObject("proxies");
            best.evaluation().proxyScores().forEach(p::put);
            o.put("pareto_size", r.paretoFront().size());
            o.put("objective", (c.vote() ? "vote:" : "") + String.join("+", c.proxies()));
            o.setAll(r.quality().toJson());
            ArrayNode baselines = o.putArray("baselines");
            outcome.baselines().forEach(x -> baselines.add(x.toJson()));
            outcome.refined().ifPresent(f -> {
                ObjectNode rf = o.putObject("refined");
                rf.put("run", f.runId()).put("winner", f.winner().label()).put("params", f.winner().params())
                        .put("loss", f.winner().losses().get(f.winner().losses().size() - 1));
                rf.set("plan", f.winner().plan().toJson());
            });
            out.println(o);
            return;
        }
        SearchSpace space = SearchJob.space(c);
        List<SiteKind> kinds = Arrays.stream(SiteKind.values())
                .filter(k -> space.sites().stream().anyMatch(s -> s.kind() == k)).toList();
        // a rate says something about a loop over many plans, not about the exact optimum's one evaluation
        String loop = r.evaluations() > 1 ? String.format(" (search loop %.2f s, %,.0f plans/s)",
                outcome.searchSeconds(), outcome.plansPerSecond()) : "";
        out.printf("study %d: %s, %,d plan%s evaluated in %.1f s%s%n", studyId, r.strategy(), r.evaluations(),
                r.evaluations() == 1 ? "" : "s", outcome.seconds(), loop);
        out.printf("budget %s%n", Budget.parse(c.budgetText()).describe(c.baseParams()));
        out.printf("best plan: fitness %.6g, %,d trainable parameters%n", best.evaluation().fitness(),
                best.parameters());
        out.print(PlanTable.render(best.plan(), c.modelConfig().layers(), kinds));
        out.printf("objective %s%s; %s%n", c.vote() ? "vote of " : "", String.join("+", c.proxies()),
                r.quality().describe());
        printBaselines(out, outcome.baselines(), best.evaluation().fitness());
        if (!r.paretoFront().isEmpty()) {
            out.printf("Pareto front (%d plans):%n", r.paretoFront().size());
            r.paretoFront().forEach(p -> out.printf("  %,12d params  fitness %.6g%n", p.parameters(),
                    p.evaluation().fitness()));
        }
        outcome.refined().ifPresent(f -> {
            out.printf("refine stage (run %d, held-out loss on a split of the training data, by rung):%n", f.runId());
            f.entries().forEach(e -> out.printf("  %-16s %,9d params  %s%n", e.label(), e.params(), e.losses().stream()
                    .map(l -> String.format("%.4f", l)).collect(java.util.stream.Collectors.joining(" → "))));
            out.printf("train --best trains the refined winner: %s (%,d parameters)%n", f.winner().label(),
                    f.winner().params());
            if (f.winner().trialId() == null) {
                out.print(PlanTable.render(f.winner().plan(), c.modelConfig().layers(), kinds));
            }
        });
        out.printf("next: heterolora study %s, or heterolora train --best --study %s%n", studyRef, studyRef);
    }
}
