package dev.heterolora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.app.Json;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.Budget;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code heterolora study ID|NAME}: a study's configuration, best plan and top trials; writes the best plan out. */
@Command(name = "study", description = "Show one study: configuration, best plan, top trials.",
        subcommands = StudyDeleteCommand.class,
        footer = {"", "Examples:", "  heterolora study                  # the latest finished study",
                "  heterolora study vote-150k --plan-out plan.json && heterolora train --plan plan.json",
                "  heterolora study 3 --peft-config-out adapter_config.json",
                "  heterolora study delete 3 --yes"})
final class StudyCommand implements Callable<Integer> {
    @Mixin
    StoreOptions store;

    @Parameters(index = "0", paramLabel = "ID|NAME", description = "study id or name (default: the latest finished)",
            arity = "0..1")
    String ref;

    @Option(names = "--top", defaultValue = "10", description = "how many top trials (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Option(names = "--plan-out", paramLabel = "PLAN.json", description = "write the best plan for train --plan")
    Path planOut;

    @Option(names = "--peft-config-out", paramLabel = "FILE", description = "write the best plan as PEFT's "
            + "adapter_config.json (LoraConfig with target_modules, rank_pattern, alpha_pattern)")
    Path peftConfigOut;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        var out = spec.commandLine().getOut();
        try (StudyStore db = store.open()) {
            Study s = StudyRef.find(db, ref);
            Optional<Trial> best = db.bestTrial(s.id());
            if (planOut != null || peftConfigOut != null) {
                Trial t = best.orElseThrow(() -> new HeteroloraException("study " + s.id() + " has no feasible plan "
                        + "to write"));
                AdapterPlan plan = AdapterPlan.fromJson(t.planJson());
                var err = spec.commandLine().getErr();
                BestPlanFiles.write(s, plan, planOut, peftConfigOut).forEach(f -> err.println("wrote " + f));
                long shortcuts = plan.adapters().keySet().stream().filter(x -> x.kind().isShortcut()).count();
                if (peftConfigOut != null && shortcuts > 0) {
                    err.printf("note: the plan's %d shortcut sites have no PEFT form; %s leaves them out%n", shortcuts,
                            peftConfigOut.getFileName());
                }
            }
            List<Trial> topTrials = db.topTrials(s.id(), top);
            if (json) {
                ObjectNode o = Json.object();
                o.put("id", s.id()).put("name", s.name()).put("status", s.status().text()).put("seed", s.seed())
                        .put("strategy", s.strategy()).put("budget", s.budgetText()).put("budget_limit", s.budgetLimit())
                        .put("base_params", s.baseParams()).put("model", s.modelPath()).put("model_hash", s.modelHash())
                        .put("trials", db.trialCount(s.id()));
                o.set("config", Json.MAPPER.readTree(s.configJson()));
                best.ifPresent(t -> o.set("best", trialJson(t)));
                ArrayNode arr = o.putArray("top");
                topTrials.forEach(t -> arr.add(trialJson(t)));
                out.println(o);
                return 0;
            }
            out.printf("study %d%s  [%s]%n", s.id(), s.name() == null ? "" : "  " + s.name(), s.status());
            out.printf("model     %s (%s)%n", s.modelPath(), s.modelHash());
            out.printf("strategy  %s, seed %d, budget %s = %s%n", s.strategy(), s.seed(), s.budgetText(),
                    Budget.parse(s.budgetText()).describe(s.baseParams()));
            out.printf("trials    %d%n", db.trialCount(s.id()));
            JsonNode config = Json.read(s.configJson());
            out.printf("data      %s%n", config.path("data").asText());
            out.printf("objective %s%s, sites %s, ranks %s, alpha %s%n", config.path("vote").asBoolean() ? "vote of "
                    : "", config.path("proxies"), config.path("space").path("kinds"), config.path("space").path("ranks"),
                    config.path("space").path("alpha").asText());
            if (best.isPresent()) {
                Trial t = best.get();
                out.printf("%nbest plan: trial %d (seq %d, generation %d), fitness %.6g, %,d parameters%n", t.id(),
                        t.seq(), t.generation(), t.fitness(), t.params());
                out.print(PlanTable.render(AdapterPlan.fromJson(t.planJson())));
            }
            out.printf("%n%6s %5s %4s %12s %12s  %s%n", "trial", "seq", "gen", "fitness", "params", "proxies");
            for (Trial t : topTrials) {
                out.printf("%6d %5d %4d %12.6g %,12d  %s%n", t.id(), t.seq(), t.generation(), t.fitness(), t.params(),
                        proxies(t.proxyScores()));
            }
        }
        return 0;
    }

    /** Proxy scores for people: {@code gradnorm 0.1235, snip 3.457e-05} (four significant digits, sorted). */
    static String proxies(Map<String, Double> scores) {
        return new java.util.TreeMap<>(scores).entrySet().stream()
                .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.4g", e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static JsonNode trialJson(Trial t) {
        ObjectNode o = Json.object();
        o.put("trial", t.id()).put("seq", t.seq()).put("generation", t.generation()).put("fitness", t.fitness())
                .put("params", t.params()).put("feasible", t.feasible()).put("pareto", t.pareto());
        o.set("plan", AdapterPlan.fromJson(t.planJson()).toJson());
        ObjectNode p = o.putObject("proxies");
        t.proxyScores().forEach(p::put);
        return o;
    }
}
