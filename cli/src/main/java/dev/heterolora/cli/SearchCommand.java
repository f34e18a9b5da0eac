package dev.heterolora.cli;

import dev.heterolora.app.Json;
import dev.heterolora.app.SearchJob;
import dev.heterolora.app.SharedPlanFitness;
import dev.heterolora.app.SearchRequest;
import dev.heterolora.core.Budget;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora search}: finds how to spend a trainable-parameter budget over LoRA modules and LoRA-adapted
 * shortcuts, ranking candidates by zero-cost proxies, and records the study in the database.
 */
@Command(name = "search", sortOptions = false, description = "Search adapter placements and ranks under a parameter "
        + "budget, ranked by zero-cost proxies; every trial is stored in the study database.",
        footer = {"", "Examples:",
                "  heterolora search --budget 0.2%%                  # the embedded world, default objective",
                "  heterolora search --budget 150k --vote gradnorm,snip,fisher --name vote-150k",
                "  heterolora search --model ./Qwen2-0.5B --data rows.jsonl --budget 0.1%% --sites q,v",
                "  heterolora search --budget 1%% --refine 4 && heterolora train --best",
                "  heterolora search --resume 3",
                "  heterolora search --proxy jacov --strategy ga --name j1 & heterolora search --join j1  # shares its plans"})
final class SearchCommand implements Callable<Integer> {
    @ArgGroup(validate = false, heading = "%nBudget and search:%n", order = 1)
    SearchOptions search = new SearchOptions();

    @ArgGroup(validate = false, heading = "%nModel and device:%n", order = 2)
    ModelOptions model = new ModelOptions();

    @ArgGroup(validate = false, heading = "%nProxy data:%n", order = 3)
    SearchOptions.ProxyData proxyData = new SearchOptions.ProxyData();

    @ArgGroup(validate = false, heading = "%nStorage:%n", order = 4)
    StoreOptions store = new StoreOptions();

    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 5)
    SearchOptions.Output output = new SearchOptions.Output();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SearchOptions s = search;
        if (s.join != null) {
            return join(s.join);
        }
        if (s.resume == null) {
            Budget.forgottenPercent(s.budget).ifPresent(w -> spec.commandLine().getErr()
                    .println("heterolora: warning: --budget " + w));
            spec.commandLine().getErr().flush();
        }
        try (StudyStore db = store.open();
             GenerationProgress bar = new GenerationProgress(!output.noProgress && !output.json)) {
            SearchJob.Outcome outcome = s.resume != null
                    ? SearchJob.resume(db, s.resume, model.compute(), bar, System.err)
                    : SearchJob.start(db, request(), store.home(), model.compute(), bar, System.err);
            bar.close();
            String ref = db.study(outcome.studyId()).map(Study::name).filter(n -> !n.isBlank())
                    .orElse(String.valueOf(outcome.studyId()));
            SearchReport.print(spec.commandLine().getOut(), outcome, output.json, ref);
        }
        return 0;
    }

    /** {@code --join}: a worker on another search's plans, until that search ends. */
    private int join(String ref) {
        if (search.resume != null) {
            throw new HeteroloraException("--join and --resume cannot be combined");
        }
        try (StudyStore db = store.open()) {
            long id = StudyRef.find(db, ref).id();
            int evaluated = SharedPlanFitness.join(db, id, model.compute(), System.err);
            var out = spec.commandLine().getOut();
            if (output.json) {
                out.println(Json.object().put("study", id).put("evaluated_here", evaluated));
            } else {
                out.printf("study %d ended; this worker evaluated %,d of its plans%n", id, evaluated);
            }
        }
        return 0;
    }

    private SearchRequest request() {
        SearchOptions s = search;
        boolean vote = s.vote != null && !s.vote.isEmpty();
        List<String> objective = vote ? s.vote : List.of(s.proxy);
        SearchSettings d = SearchSettings.defaults(s.seed);
        SearchSettings settings = new SearchSettings(s.seed, orDefault(s.population, d.population()),
                orDefault(s.generations, d.generations()), orDefault(s.steady, d.steadyGenerations()),
                orDefault(s.samples, d.samples()), orDefault(s.topkRank, d.topkRank()),
                s.topkFraction != null ? s.topkFraction : d.topkFraction());
        SearchOptions.ProxyData p = proxyData;
        return new SearchRequest(model.model, p.data, s.budget, s.strategy, objective, vote, s.ranks, s.sites,
                s.noShortcuts, s.alpha, p.proxyBatches, p.proxyBatchSize, p.maxLength, p.probeStep, settings, s.refine,
                s.name);
    }

    private static int orDefault(Integer v, int d) {
        return v != null ? v : d;
    }
}
