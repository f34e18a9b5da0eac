package dev.heterolora.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteKind;
import dev.heterolora.results.PlanAllocation;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Study;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Plans drawn as layers × site-kind heat maps: a study's best distinct plans beside the baselines its search scored
 * at the same budget (peft-default, all-linear, uniform, topk) and the best plans of the other studies at the same
 * budget on the same model (other strategies it should beat), and the plan a
 * run trained. Every cell carries what the hover shows: site, rank, alpha and the adapter's parameter count (from the
 * model configuration the study stored; absent when it cannot be read).
 */
final class Plans {
    /** Distinct best plans drawn for a study. */
    static final int BEST = 3;
    /** Other studies at the same budget drawn beside them. */
    static final int COMPARED = 8;
    /** Top trials scanned for distinct plans (as the static report does). */
    private static final int SCANNED = 200;

    private final ReadOnlyDatabase db;
    private final Trials trials;

    Plans(ReadOnlyDatabase db, Trials trials) {
        this.db = db;
        this.trials = trials;
    }

    /** One adapter of a plan. */
    record Cell(int layer, String kind, int rank, double alpha, Long params) {}

    /**
     * One plan to draw.
     *
     * @param label    what the heading says, e.g. {@code best}, {@code runner-up 1} or the other study's strategy
     * @param studyId  the study the plan comes from
     * @param strategy that study's strategy
     * @param params   the plan's adapter parameters; null when unknown
     */
    record Plan(String label, Long studyId, String strategy, Long trialId, double fitness, Long params,
                Map<String, Double> proxyScores, List<Cell> cells) {}

    /** Plans on one grid: every plan is drawn with the same rows, columns and colour scale. */
    record Grid(int layers, List<String> kinds, int maxRank, List<Plan> best, List<Plan> compared) {}

    /** A study's best distinct plans and the best plans of other studies at its budget on its model. */
    Grid study(Study study) {
        Optional<ModelConfig> model = model(study);
        List<Plan> best = new ArrayList<>();
        Set<List<PlanAllocation.Site>> seen = new HashSet<>();
        for (Trials.TrialRow t : top(study.id(), SCANNED)) {
            Optional<PlanAllocation> plan = parse(t.plan().toString());
            if (plan.isPresent() && seen.add(plan.get().sites())) {
                best.add(plan(best.isEmpty() ? "best" : "runner-up " + best.size(), study, t, plan.get(), model));
                if (best.size() == BEST) {
                    break;
                }
            }
        }
        List<Plan> compared = new ArrayList<>();
        List<Long> others = db.list("SELECT s.id FROM study s JOIN trial b ON b.id = s.best_trial_id WHERE s.id <> ? "
                + "AND s.budget_limit = ? AND s.model_hash IS NOT DISTINCT FROM ? ORDER BY b.fitness DESC NULLS LAST, "
                + "s.id FETCH FIRST ? ROWS ONLY", rs -> rs.getLong(1), study.id(), study.budgetLimit(),
                study.modelHash(), COMPARED);
        for (long id : others) {
            Optional<Study> other = db.study(id);
            Optional<Trials.TrialRow> t = other.flatMap(o -> top(o.id(), 1).stream().findFirst());
            Optional<PlanAllocation> plan = t.flatMap(x -> parse(x.plan().toString()));
            if (plan.isPresent()) {
                compared.add(plan(other.get().strategy() + " (study " + id + ")", other.get(), t.get(), plan.get(),
                        model));
            }
        }
        compared.addAll(0, baselines(study, model));
        return grid(study.searchSpaceJson(), best, compared);
    }

    /**
     * The baselines the search scored at the study's budget with its own objective (stored by the search as a run of
     * kind {@code baselines}), each drawn with its plan; random's mean over 20 plans has no single plan to draw.
     */
    private List<Plan> baselines(Study study, Optional<ModelConfig> model) {
        Optional<String> stored = db.first("SELECT config_json FROM run WHERE study_id = ? AND kind = 'baselines' "
                + "AND status = 'finished' ORDER BY id DESC FETCH FIRST 1 ROWS ONLY", rs -> rs.getString(1), study.id());
        List<Plan> out = new ArrayList<>();
        JsonNode root = stored.map(JsonText::parse).orElse(null);
        if (root == null) {
            return out;
        }
        for (JsonNode b : root.path("baselines")) {
            Optional<PlanAllocation> plan = b.has("plan") ? parse(b.get("plan").toString()) : Optional.empty();
            if (plan.isPresent()) {
                out.add(new Plan("baseline " + b.path("name").asText(), study.id(), b.path("name").asText(), null,
                        b.path("fitness").asDouble(Double.NaN), b.path("params").asLong(), Map.of(),
                        cells(plan.get(), model)));
            }
        }
        return out;
    }

    /** A study's feasible trials with the highest finite fitness (ties: the earliest), as the store ranks them. */
    private List<Trials.TrialRow> top(long studyId, int n) {
        return trials.page(studyId, true, "fitness", "desc", new Paging(0, n)).items();
    }

    /** The plan a run trained (its trial's, or the plan in its configuration), if it has one. */
    Optional<Grid> run(Run run) {
        Optional<Study> study = Optional.ofNullable(run.studyId()).flatMap(db::study);
        record Stored(String planJson, double fitness, long params) {}
        Optional<Stored> trial = Optional.ofNullable(run.trialId()).flatMap(id -> db.first(
                "SELECT plan_json, fitness, params FROM trial WHERE id = ?", rs -> new Stored(rs.getString("plan_json"),
                        ReadOnlyDatabase.real(rs, "fitness"), rs.getLong("params")), id));
        JsonNode config = JsonText.parse(run.configJson());
        Optional<PlanAllocation> plan = trial.map(Stored::planJson)
                .or(() -> config != null && config.has("plan") ? Optional.of(config.get("plan").toString())
                        : Optional.empty())
                .flatMap(Plans::parse);
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        Optional<ModelConfig> model = study.flatMap(Plans::model);
        List<Cell> cells = cells(plan.get(), model);
        Long params = trial.map(Stored::params).orElse(model.isPresent()
                ? cells.stream().map(Cell::params).filter(Objects::nonNull).mapToLong(Long::longValue).sum() : null);
        Plan p = new Plan("trained plan", run.studyId(), study.map(Study::strategy).orElse(null), run.trialId(),
                trial.map(Stored::fitness).orElse(Double.NaN), params,
                run.trialId() == null ? Map.of() : trials.scores(List.of(run.trialId())).getOrDefault(run.trialId(),
                        Map.of()), cells);
        return Optional.of(grid(study.map(Study::searchSpaceJson).orElse(null), List.of(p), List.of()));
    }

    /** The grid that holds the search space's sites and every plan's: rows, columns and the colour scale's top. */
    private static Grid grid(String searchSpaceJson, List<Plan> best, List<Plan> compared) {
        List<String> spaceSites = PlanAllocation.spaceSites(searchSpaceJson);
        int layers = spaceSites.stream().mapToInt(s -> Integer.parseInt(s.substring(0, s.indexOf('.')))).max()
                .orElse(-1) + 1;
        List<String> kinds = new ArrayList<>(spaceSites.stream().map(s -> s.substring(s.indexOf('.') + 1)).toList());
        int maxRank = PlanAllocation.spaceMaxRank(searchSpaceJson);
        for (Plan p : Stream.concat(best.stream(), compared.stream()).toList()) {
            for (Cell c : p.cells()) {
                layers = Math.max(layers, c.layer() + 1);
                kinds.add(c.kind());
                maxRank = Math.max(maxRank, c.rank());
            }
        }
        return new Grid(layers, PlanAllocation.orderKinds(kinds), maxRank, best, compared);
    }

    private static Plan plan(String label, Study study, Trials.TrialRow t, PlanAllocation plan,
                             Optional<ModelConfig> model) {
        return new Plan(label, study.id(), study.strategy(), t.id(), t.fitness(), t.params(), t.proxyScores(),
                cells(plan, model));
    }

    private static List<Cell> cells(PlanAllocation plan, Optional<ModelConfig> model) {
        return plan.sites().stream().map(s -> new Cell(s.layer(), s.kind(), s.rank(), s.alpha(),
                siteParams(model, s.kind(), s.rank()))).toList();
    }

    private static Long siteParams(Optional<ModelConfig> model, String kind, int rank) {
        try {
            return model.map(m -> m.siteShape(SiteKind.parse(kind)).adapterParameters(rank)).orElse(null);
        } catch (HeteroloraException e) {
            return null;
        }
    }

    /** The architecture a study's configuration records ({@code model.config}, as HF's config.json), if readable. */
    private static Optional<ModelConfig> model(Study study) {
        JsonNode config = JsonText.parse(study.configJson());
        JsonNode hf = config == null ? null : config.path("model").path("config");
        if (hf == null || !hf.isObject()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ModelConfig.fromJson(hf, "study " + study.id()));
        } catch (HeteroloraException e) {
            return Optional.empty();
        }
    }

    private static Optional<PlanAllocation> parse(String planJson) {
        try {
            return Optional.of(PlanAllocation.parse(planJson));
        } catch (HeteroloraException e) {
            return Optional.empty();
        }
    }
}
