package dev.heterolora.cli;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.proxies.PlanProbe;
import dev.heterolora.proxies.PlanScorer;
import dev.heterolora.proxies.ProxyBatches;
import dev.heterolora.proxies.SiteStatistics;
import dev.heterolora.proxies.ZeroCostProxy;
import dev.heterolora.search.Evaluation;
import dev.heterolora.search.PlanFitness;
import dev.heterolora.app.ProxyPlanFitness;
import dev.heterolora.search.ResumingFitness;
import dev.heterolora.search.ScoredPlan;
import dev.heterolora.search.SearchResult;
import dev.heterolora.search.SearchSpace;
import dev.heterolora.search.Strategy;
import dev.heterolora.search.TrialRecord;
import dev.heterolora.search.TrialSink;
import dev.heterolora.studies.NewTrial;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One search as the CLI runs it: load the model and the proxy data, make the shared proxy pass, run the strategy,
 * and commit every trial to the study as it is produced. Also rebuilds the pieces a replay or re-score needs.
 */
final class SearchJob {
    private SearchJob() {}

    /** The space a configuration describes. */
    static SearchSpace space(SearchConfig c) {
        return SearchSpace.of(c.modelConfig(), c.space(), c.budgetLimit());
    }

    /** The proxies of a configuration's objective. */
    static List<ZeroCostProxy> objective(SearchConfig c) {
        return c.proxies().stream().map(ZeroCostProxy::parse).toList();
    }

    /** Stored trials of a study as the search's records, in evaluation order. */
    static List<TrialRecord> records(StudyStore db, long studyId) {
        List<TrialRecord> out = new ArrayList<>();
        for (Trial t : db.trials(studyId)) {
            out.add(new TrialRecord(t.seq(), t.generation(), AdapterPlan.fromJson(t.planJson()), t.params(),
                    t.feasible(), new Evaluation(t.fitness(), t.proxyScores())));
        }
        return out;
    }

    /** What the shared pass and the scorer need; close it to free the statistics. */
    record Scoring(CausalLM model, SiteStatistics stats, PlanScorer scorer) implements AutoCloseable {
        @Override
        public void close() {
            stats.close();
            model.close();
        }
    }

    /** Loads the model, reads the proxy rows, runs the shared pass and builds the scorer. */
    static Scoring scoring(SearchConfig c, SearchSpace space, ComputeSettings compute,
                           Function<SearchConfig, List<int[]>> rows, PrintStream log) {
        CausalLM model = HfCheckpoint.load(Path.of(c.modelPath()), compute);
        try {
            if (!model.config().equals(c.modelConfig())) {
                throw new HeteroloraException("the model at " + c.modelPath() + " is not the one this study used");
            }
            List<List<int[]>> batches = ProxyBatches.select(rows.apply(c), c.proxyBatches(), c.proxyBatchSize(),
                    c.settings().seed());
            int[] maxRanks = new int[space.size()];
            for (int s = 0; s < space.size(); s++) {
                maxRanks[s] = space.rank(s, space.rankCount(s) - 1);
            }
            SiteStatistics stats = SiteStatistics.compute(model, space.sites(), maxRanks, batches, c.settings().seed());
            log.printf("shared proxy pass: %d sites, %d minibatches of %d rows, %.2f s (base loss %.4f)%n",
                    space.size(), batches.size(), c.proxyBatchSize(), stats.seconds(), stats.baseLoss());
            List<ZeroCostProxy> objective = objective(c);
            PlanProbe probe = objective.stream().anyMatch(p -> !p.isAdditive())
                    ? new PlanProbe(model, stats, batches.get(0), (float) c.probeStep()) : null;
            PlanScorer scorer = new PlanScorer(stats, model.config(), objective, c.vote(), probe, c.settings().seed());
            return new Scoring(model, stats, scorer);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Runs (or continues) the search of study {@code studyId}: trials already stored are answered from the store and
     * not written again; new ones are committed one by one.
     */
    static SearchResult run(SearchConfig c, StudyStore db, long studyId, ComputeSettings compute,
                            Function<SearchConfig, List<int[]>> rows, PrintStream log, boolean progress) {
        SearchSpace space = space(c);
        List<TrialRecord> done = records(db, studyId);
        try (Scoring scoring = scoring(c, space, compute, rows, log);
             GenerationProgress bar = new GenerationProgress(c.strategy(), c.settings().generations(), progress)) {
            PlanFitness fitness = new ProxyPlanFitness(scoring.scorer(), c.space().alpha());
            if (!done.isEmpty()) {
                fitness = new ResumingFitness(done, fitness);
                log.printf("resuming study %d after %d stored trials%n", studyId, done.size());
            }
            TrialSink store = (seq, generation, plan, parameters, feasible, evaluation, seconds) -> {
                db.recordTrial(new NewTrial(studyId, seq, generation, plan.toJsonString(), parameters, feasible,
                        evaluation.fitness(), evaluation.proxyScores(), seconds));
                bar.trial(generation, evaluation.fitness());
            };
            TrialSink sink = done.isEmpty() ? store : store.skipping(done.size());
            SearchResult result = Strategy.named(c.strategy()).run(space, fitness, c.settings(), sink);
            if (!result.paretoFront().isEmpty()) {
                markPareto(db, studyId, result.paretoFront());
            }
            return result;
        }
    }

    private static void markPareto(StudyStore db, long studyId, List<ScoredPlan> front) {
        List<String> plans = front.stream().map(p -> p.plan().toJsonString()).toList();
        List<Long> ids = new ArrayList<>();
        for (Trial t : db.trials(studyId)) {
            if (plans.contains(AdapterPlan.fromJson(t.planJson()).toJsonString())) {
                ids.add(t.id());
            }
        }
        db.markPareto(studyId, ids);
    }
}
