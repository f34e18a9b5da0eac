package dev.heterolora.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.app.SearchConfig;
import dev.heterolora.app.SearchJob;
import dev.heterolora.core.SiteKind;
import dev.heterolora.search.SearchResult;
import dev.heterolora.search.SearchSpace;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;

/** How {@code search} prints its outcome: the best plan as a layers × sites table, or one JSON summary line. */
final class SearchReport {
    private SearchReport() {}

    static void print(PrintWriter out, SearchJob.Outcome outcome, boolean json) {
        SearchConfig c = outcome.config();
        SearchResult r = outcome.result();
        long studyId = outcome.studyId();
        var best = r.best();
        if (json) {
            ObjectNode o = Json.object();
            o.put("study", studyId).put("strategy", r.strategy()).put("evaluations", r.evaluations())
                    .put("seconds", outcome.seconds()).put("budget", c.budgetText()).put("budget_limit", c.budgetLimit())
                    .put("base_params", c.baseParams());
            ObjectNode b = o.putObject("best");
            b.put("fitness", best.evaluation().fitness()).put("params", best.parameters());
            b.set("plan", best.plan().toJson());
            ObjectNode p = b.putObject("proxies");
            best.evaluation().proxyScores().forEach(p::put);
            o.put("pareto_size", r.paretoFront().size());
            out.println(o);
            return;
        }
        SearchSpace space = SearchJob.space(c);
        List<SiteKind> kinds = Arrays.stream(SiteKind.values())
                .filter(k -> space.sites().stream().anyMatch(s -> s.kind() == k)).toList();
        out.printf("study %d: %s, %d plans evaluated in %.1f s%n", studyId, r.strategy(), r.evaluations(),
                outcome.seconds());
        out.printf("best plan: fitness %.6g, %,d trainable parameters of a %,d budget (%s of %,d base = %.4f%%)%n",
                best.evaluation().fitness(), best.parameters(), c.budgetLimit(), c.budgetText(), c.baseParams(),
                100.0 * best.parameters() / c.baseParams());
        out.print(PlanTable.render(best.plan(), c.modelConfig().layers(), kinds));
        if (!r.paretoFront().isEmpty()) {
            out.printf("Pareto front (%d plans):%n", r.paretoFront().size());
            r.paretoFront().forEach(p -> out.printf("  %,12d params  fitness %.6g%n", p.parameters(),
                    p.evaluation().fitness()));
        }
        out.printf("next: heterolora study %d, or heterolora train --best --study %d%n", studyId, studyId);
    }
}
