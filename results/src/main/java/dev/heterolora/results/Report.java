package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import static dev.heterolora.results.Html.count;
import static dev.heterolora.results.Html.esc;
import static dev.heterolora.results.Html.num;
import static dev.heterolora.results.Html.percent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.heterolora.studies.Metric;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A study's report: one self-contained {@code index.html} (inline CSS; no scripts, fonts or links to anything
 * outside the folder) with PNG charts next to it and, under every chart, the table it was drawn from.
 *
 * <p>Sections: the study's configuration; the search history (best-so-far and median fitness, feasible share per
 * generation); the top trials with their proxy scores; the Pareto front (when the study has one); the best plan and
 * the runner-up plans as layer × site-kind heat maps; proxy validation (validated plans, correlations and a scatter
 * per proxy); runs linked to the study with their reward, KL and win-rate curves.
 *
 * <p>The report is written into a temporary folder beside {@code outDir} and moved into place, replacing a previous
 * report there; a folder that exists but holds something else than a heterolora report is refused, never deleted.
 */
public final class Report {
    /** The page's file name. */
    public static final String INDEX = "index.html";
    /** Trials listed in the top-trials table. */
    public static final int TOP_TRIALS = 20;
    /** Plans drawn as heat maps: the best and the runner-ups (distinct plans). */
    public static final int ALLOCATION_PLANS = 3;
    /** The metrics drawn as training curves, with their chart titles; missing ones are skipped. */
    public static final Map<String, String> CURVES = curves();
    /** Bootstrap resamples when the report computes correlations a validation run did not store. */
    static final int REPORT_BOOTSTRAP = RankCorrelation.DEFAULT_RESAMPLES;
    static final String GENERATOR = "heterolora report";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {}

    /**
     * Writes the report of a study into {@code outDir} (created, or replaced if it holds an earlier report).
     *
     * @return the files written, {@code index.html} first, at their final place
     * @throws HeteroloraException (one line) for an unknown study, an {@code outDir} that holds something else, or an
     *                          I/O failure
     */
    public static List<Path> write(StudyStorage store, long studyId, Path outDir) {
        Study study = store.study(studyId).orElseThrow(() -> new HeteroloraException("no study with id " + studyId));
        Path target = outDir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new HeteroloraException("cannot write a report into the file system root");
        }
        checkReplaceable(target);
        Path tmp;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        } catch (IOException e) {
            throw new HeteroloraException("cannot create report folder next to " + target + ": " + e.getMessage(), e);
        }
        List<String> names;
        try {
            names = new Page(store, study, tmp).write();
            replace(tmp, target);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        return names.stream().map(target::resolve).toList();
    }

    /** Builds the page and its charts in one folder. */
    private static final class Page {
        private final StudyStorage store;
        private final Study study;
        private final Path dir;
        private final List<String> files = new ArrayList<>();
        private final StringBuilder html = new StringBuilder(64 * 1024);
        private final Set<String> usedNames = new TreeSet<>();

        Page(StudyStorage store, Study study, Path dir) {
            this.store = store;
            this.study = study;
            this.dir = dir;
        }

        List<String> write() {
            List<Trial> trials = store.trials(study.id());
            List<Run> runs = store.runs(study.id());
            String title = "Study " + study.id() + (study.name() == null ? "" : ": " + study.name());
            head(title);
            html.append("<h1>").append(esc(title)).append("</h1>\n");
            html.append("<p class=\"meta\">").append(esc(study.strategy())).append(" search, budget ")
                    .append(esc(study.budgetText())).append(" (").append(count(study.budgetLimit()))
                    .append(" parameters), ").append(count(trials.size())).append(" trials, status ")
                    .append(esc(study.status().text())).append(". Report generated ").append(esc(Instant.now().toString()))
                    .append(".</p>\n");
            html.append("<nav><a href=\"#configuration\">Configuration</a> · <a href=\"#history\">Search history</a>"
                    + " · <a href=\"#top\">Top trials</a> · <a href=\"#pareto\">Pareto front</a>"
                    + " · <a href=\"#allocation\">Allocation</a> · <a href=\"#validation\">Proxy validation</a>"
                    + " · <a href=\"#runs\">Training runs</a> · <a href=\"#experiments\">Experiments</a></nav>\n");
            configuration(trials.size());
            history(trials);
            topTrials(trials);
            pareto(trials);
            allocation();
            validation(runs);
            runs(runs);
            experiments();
            html.append("</body>\n</html>\n");
            Path index = dir.resolve(INDEX);
            try {
                Files.writeString(index, html, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new HeteroloraException("cannot write " + index + ": " + e.getMessage(), e);
            }
            List<String> out = new ArrayList<>();
            out.add(INDEX);
            out.addAll(files);
            return out;
        }

        private void head(String title) {
            html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"generator\" content=\"").append(GENERATOR).append("\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    .append("<title>heterolora · ").append(esc(title)).append("</title>\n<style>\n")
                    .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;"
                            + "max-width:1100px;padding:0 1rem;color:#222;line-height:1.4}\n")
                    .append("h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd;"
                            + "padding-bottom:.2rem}h3{margin-top:1.6rem}\n")
                    .append(".meta,.note,figcaption{color:#555;font-size:.92rem}nav{margin:1rem 0;font-size:.95rem}\n")
                    .append("a{color:#1f5f99}figure{margin:1rem 0}img{max-width:100%;height:auto;border:1px solid #eee}\n")
                    .append(".scroll{overflow-x:auto;margin:.6rem 0}table{border-collapse:collapse;font-size:.85rem}\n")
                    .append("th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:right;white-space:nowrap}\n")
                    .append("th{background:#f4f4f4}tbody tr:nth-child(even){background:#fafafa}\n")
                    .append("table.grid td{text-align:center;min-width:2.2rem}\n")
                    .append(".l{display:block;text-align:left}.off{color:#ccc}\n")
                    .append(".plan{display:block;white-space:normal;text-align:left;font-family:ui-monospace,monospace;"
                            + "font-size:.78rem;min-width:18rem}\n")
                    .append("pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:.8rem}\n")
                    .append("details>summary{cursor:pointer;color:#1f5f99}\n")
                    .append("</style>\n</head>\n<body>\n");
        }

        private void configuration(int trialCount) {
            html.append("<h2 id=\"configuration\">Configuration</h2>\n");
            List<List<String>> rows = new ArrayList<>();
            row(rows, "id", Long.toString(study.id()));
            row(rows, "name", study.name() == null ? "–" : study.name());
            row(rows, "status", study.status().text());
            row(rows, "strategy", study.strategy());
            row(rows, "seed", Long.toString(study.seed()));
            row(rows, "budget", study.budgetText() + " = " + count(study.budgetLimit()) + " parameters");
            row(rows, "base model parameters", count(study.baseParams()));
            row(rows, "model", study.modelPath() == null ? "embedded world" : study.modelPath());
            row(rows, "model hash", study.modelHash() == null ? "–" : study.modelHash());
            row(rows, "created", study.createdAt().toString());
            row(rows, "updated", study.updatedAt().toString());
            row(rows, "trials", count(trialCount));
            row(rows, "best trial", study.bestTrialId() == null ? "–" : study.bestTrialId().toString());
            row(rows, "search space", PlanAllocation.spaceSites(study.searchSpaceJson()).size() + " sites");
            Html.table(html, "kv", List.of("<span class=\"l\">setting</span>", "value"), rows.stream()
                    .map(r -> List.of("<span class=\"l\">" + r.get(0) + "</span>", r.get(1))).toList());
            html.append("<details><summary>configuration JSON</summary><pre>").append(esc(pretty(study.configJson())))
                    .append("</pre></details>\n");
            html.append("<details><summary>search space JSON</summary><pre>").append(esc(study.searchSpaceJson()))
                    .append("</pre></details>\n");
        }

        private void history(List<Trial> trials) {
            html.append("<h2 id=\"history\">Search history</h2>\n");
            List<GenerationSummary> gens = GenerationSummary.of(trials);
            if (gens.isEmpty()) {
                note("The study has no trials yet.");
                return;
            }
            chart("history.png", Charts.searchHistory("Search history: study " + study.id(), gens),
                    "Best fitness so far and median fitness of the feasible trials per generation (left axis); share of "
                            + "feasible trials (dashed, right axis).");
            List<List<String>> rows = gens.stream().map(g -> List.of(Integer.toString(g.generation()),
                    count(g.trials()), count(g.feasible()), percent(g.feasibleShare()), num(g.median()), num(g.best()),
                    num(g.bestSoFar()))).toList();
            details("per-generation statistics (" + gens.size() + " generations)", gens.size() <= 30, () ->
                    Html.table(html, null, List.of("generation", "trials", "feasible", "feasible share", "median fitness",
                            "best fitness", "best so far"), rows));
        }

        private void topTrials(List<Trial> trials) {
            html.append("<h2 id=\"top\">Top trials</h2>\n");
            List<Trial> top = store.topTrials(study.id(), TOP_TRIALS);
            if (top.isEmpty()) {
                note("No feasible trial with a finite fitness yet.");
                return;
            }
            Set<String> proxies = proxies(trials);
            List<String> headers = new ArrayList<>(List.of("#", "trial", "seq", "generation", "params", "fitness", "Pareto"));
            proxies.forEach(p -> headers.add(esc(p)));
            headers.add("<span class=\"l\">plan</span>");
            List<List<String>> rows = new ArrayList<>();
            int rank = 1;
            for (Trial t : top) {
                List<String> row = new ArrayList<>(List.of(Integer.toString(rank++), Long.toString(t.id()),
                        Integer.toString(t.seq()), Integer.toString(t.generation()), count(t.params()), num(t.fitness()),
                        t.pareto() ? "yes" : ""));
                proxies.forEach(p -> row.add(num(t.proxyScores().getOrDefault(p, Double.NaN))));
                row.add(planCell(t.planJson()));
                rows.add(row);
            }
            note("The " + top.size() + " feasible trials with the highest fitness, with every proxy score recorded for them.");
            Html.table(html, null, headers, rows);
        }

        private void pareto(List<Trial> trials) {
            html.append("<h2 id=\"pareto\">Pareto front</h2>\n");
            List<Trial> front = trials.stream().filter(Trial::pareto).sorted(Comparator.comparingLong(Trial::params)
                    .thenComparing(Comparator.comparingDouble(Trial::fitness).reversed())).toList();
            if (front.isEmpty()) {
                note("The study has no Pareto front (only multi-objective searches such as nsga2 mark one).");
                return;
            }
            chart("pareto.png", Charts.paretoFront("Pareto front: parameters vs fitness", trials),
                    "Every trial (grey) and the " + front.size() + " trials on the Pareto front (red): no other trial "
                            + "has both fewer parameters and a higher fitness.");
            List<List<String>> rows = front.stream().map(t -> List.of(Long.toString(t.id()), Integer.toString(t.seq()),
                    Integer.toString(t.generation()), count(t.params()), num(t.fitness()), planCell(t.planJson()))).toList();
            details("Pareto trials (" + front.size() + ")", front.size() <= 30, () -> Html.table(html, null,
                    List.of("trial", "seq", "generation", "params", "fitness", "<span class=\"l\">plan</span>"), rows));
        }

        private void allocation() {
            html.append("<h2 id=\"allocation\">Allocation of the best plans</h2>\n");
            record Drawn(Trial trial, PlanAllocation plan) {}
            List<Drawn> drawn = new ArrayList<>();
            Set<List<PlanAllocation.Site>> seen = new LinkedHashSet<>();
            for (Trial t : store.topTrials(study.id(), 200)) {
                if (drawn.size() == ALLOCATION_PLANS) {
                    break;
                }
                try {
                    PlanAllocation plan = PlanAllocation.parse(t.planJson());
                    if (seen.add(plan.sites())) {
                        drawn.add(new Drawn(t, plan));
                    }
                } catch (HeteroloraException e) {
                    note("The plan of trial " + t.id() + " cannot be drawn: " + e.getMessage());
                }
            }
            if (drawn.isEmpty()) {
                note("No feasible trial with a finite fitness yet.");
                return;
            }
            List<String> spaceSites = PlanAllocation.spaceSites(study.searchSpaceJson());
            int layers = spaceSites.stream().mapToInt(PlanAllocation::layerOf).max().orElse(-1) + 1;
            List<String> kindList = new ArrayList<>(spaceSites.stream().map(PlanAllocation::kindOf).toList());
            int maxRank = PlanAllocation.spaceMaxRank(study.searchSpaceJson());
            for (Drawn d : drawn) {
                layers = Math.max(layers, d.plan().layers());
                kindList.addAll(d.plan().kinds());
                maxRank = Math.max(maxRank, d.plan().maxRank());
            }
            List<String> kinds = PlanAllocation.orderKinds(kindList);
            note("Layers (rows) by adapter site kind (columns); the colour is the rank on a log scale up to rank "
                    + maxRank + ", white = no adapter. Distinct plans only.");
            for (int i = 0; i < drawn.size(); i++) {
                Trial t = drawn.get(i).trial();
                PlanAllocation plan = drawn.get(i).plan();
                String heading = (i == 0 ? "Best plan" : "Runner-up " + i) + ": trial " + t.id();
                html.append("<h3>").append(esc(heading)).append("</h3>\n");
                chart("allocation-" + (i + 1) + ".png", Charts.allocation(heading + " (fitness " + num(t.fitness())
                        + ", " + count(t.params()) + " params)", plan, layers, kinds, maxRank),
                        "Trial " + t.id() + ": fitness " + num(t.fitness()) + ", " + count(t.params())
                                + " adapter parameters, " + plan.sites().size() + " adapters.");
                List<String> headers = new ArrayList<>(List.of("layer"));
                kinds.forEach(k -> headers.add(esc(k)));
                List<List<String>> rows = new ArrayList<>();
                for (int layer = 0; layer < layers; layer++) {
                    List<String> row = new ArrayList<>(List.of(Integer.toString(layer)));
                    for (String k : kinds) {
                        int r = plan.rank(layer, k);
                        row.add(r == 0 ? "<span class=\"off\">·</span>" : Integer.toString(r));
                    }
                    rows.add(row);
                }
                details("ranks of trial " + t.id(), layers <= 16, () -> Html.table(html, "grid", headers, rows));
            }
        }

        private void validation(List<Run> runs) {
            html.append("<h2 id=\"validation\">Proxy validation</h2>\n");
            boolean any = false;
            for (Run run : runs) {
                List<Validation> rows = store.validations(run.id());
                if (rows.isEmpty()) {
                    continue;
                }
                any = true;
                validationRun(run, rows, store.correlations(run.id()));
            }
            if (!any) {
                note("No validation run for this study yet (heterolora validate trains a sample of its plans and "
                        + "checks whether the proxies' ranking predicts the trained result).");
            }
        }

        private void validationRun(Run run, List<Validation> rows, List<ValidationCorrelation> stored) {
            html.append("<h3>Validation run ").append(run.id()).append(" (").append(esc(run.status().text())).append(")</h3>\n");
            Set<String> proxies = new TreeSet<>();
            rows.forEach(v -> proxies.addAll(v.proxyScores().keySet()));
            boolean accuracy = rows.stream().anyMatch(v -> Double.isFinite(v.oracleAccuracy()));
            List<String> headers = new ArrayList<>(List.of("<span class=\"l\">plan</span>", "trial", "params",
                    "trained loss"));
            if (accuracy) {
                headers.add("oracle accuracy");
            }
            headers.add("seconds");
            proxies.forEach(p -> headers.add(esc(p)));
            List<List<String>> table = new ArrayList<>();
            for (Validation v : rows) {
                List<String> row = new ArrayList<>(List.of("<span class=\"l\">" + esc(v.label()) + "</span>",
                        v.trialId() == null ? "baseline" : v.trialId().toString(), count(v.params()), num(v.trainedLoss())));
                if (accuracy) {
                    row.add(num(v.oracleAccuracy()));
                }
                row.add(num(v.seconds()));
                proxies.forEach(p -> row.add(num(v.proxyScores().getOrDefault(p, Double.NaN))));
                table.add(row);
            }
            note(rows.size() + " plans trained briefly with the same data order and seed; lower trained loss is better.");
            Html.table(html, null, headers, table);

            // the correlations: as stored by the validation, or computed here when it stored none
            Map<String, Map<String, Correlation>> byTarget = new LinkedHashMap<>();
            boolean computed = stored.isEmpty();
            if (computed) {
                Set<String> all = new TreeSet<>(proxies);
                all.add("params");
                for (String target : accuracy ? List.of(ValidationCorrelation.TRAINED_LOSS,
                        ValidationCorrelation.ORACLE_ACCURACY) : List.of(ValidationCorrelation.TRAINED_LOSS)) {
                    for (String proxy : all) {
                        double[] x = rows.stream().mapToDouble(v -> score(v, proxy)).toArray();
                        double[] y = rows.stream().mapToDouble(v -> achieved(v, target)).toArray();
                        byTarget.computeIfAbsent(target, k -> new TreeMap<>()).put(proxy, Correlation.of(x, y,
                                target.equals(ValidationCorrelation.ORACLE_ACCURACY), run.id(), REPORT_BOOTSTRAP));
                    }
                }
            } else {
                for (ValidationCorrelation c : stored) {
                    byTarget.computeIfAbsent(c.target(), k -> new TreeMap<>()).put(c.proxy(), Correlation.from(c));
                }
            }
            List<List<String>> corr = new ArrayList<>();
            byTarget.forEach((target, m) -> m.forEach((proxy, c) -> corr.add(List.of("<span class=\"l\">" + esc(proxy)
                    + "</span>", esc(target.replace('_', ' ')), num(c.spearman()), Html.interval(c.spearmanCi()),
                    num(c.kendall()), Html.interval(c.kendallCi()), num(c.regret()), Integer.toString(c.n())))));
            html.append("<h4>Rank correlations").append(computed ? " (computed by this report: the run stored none)" : "")
                    .append("</h4>\n");
            note("Spearman's ρ and Kendall's τ-b between each proxy's score and the trained result, oriented so that "
                    + "a positive value means a higher score goes with a better result (lower loss, higher accuracy); "
                    + "95% percentile-bootstrap intervals. Regret: how much worse the proxy's top pick did than the best "
                    + "validated plan (0 = it picked the best).");
            Html.table(html, null, List.of("<span class=\"l\">proxy</span>", "target", "Spearman ρ", "95% CI",
                    "Kendall τ-b", "95% CI", "regret", "n"), corr);

            Map<String, Correlation> lossCorrelations = byTarget.getOrDefault(ValidationCorrelation.TRAINED_LOSS, Map.of());
            for (Map.Entry<String, Correlation> e : lossCorrelations.entrySet()) {
                String proxy = e.getKey();
                Correlation c = e.getValue();
                List<Charts.Point> points = rows.stream().map(v -> new Charts.Point(score(v, proxy), v.trainedLoss(),
                        v.trialId() == null)).filter(p -> Double.isFinite(p.x()) && Double.isFinite(p.y())).toList();
                if (points.isEmpty()) {
                    continue;
                }
                String caption = proxy + ": Spearman " + num(c.spearman()) + " " + Html.interval(c.spearmanCi())
                        + ", Kendall " + num(c.kendall()) + " " + Html.interval(c.kendallCi()) + ", regret "
                        + num(c.regret()) + ", n = " + c.n();
                chart("validation-run" + run.id() + "-" + fileSafe(proxy) + ".png",
                        Charts.validationScatter(caption, proxy + " score", "trained loss", points),
                        "Proxy " + proxy + " against trained loss (run " + run.id() + "). " + caption + ".");
            }
        }

        /**
         * The allocation experiments in the database (HeteroLoRA's comparison, not tied to one study): each table with
         * its intervals, and the paired differences against the reference drawn with their 95 % CIs.
         */
        private void experiments() {
            html.append("<h2 id=\"experiments\">Experiments</h2>\n");
            List<Run> tables = store.runs(null).stream()
                    .filter(r -> r.kind().equals("experiment-allocation") && r.status() == Status.FINISHED).toList();
            if (tables.isEmpty()) {
                note("No allocation experiment in this database yet (heterolora experiment allocation).");
                return;
            }
            for (Run r : tables) {
                JsonNode config = readJson(r.configJson());
                String name = config.path("name").asText("?");
                html.append("<h3>Allocation experiment '").append(esc(name)).append("' (run ").append(r.id())
                        .append(")</h3>\n");
                List<String> budgets = new ArrayList<>();
                List<String> methods = new ArrayList<>();
                List<List<String>> rows = new ArrayList<>();
                for (JsonNode row : config.path("table")) {
                    String budget = row.path("budget").asText();
                    String method = row.path("method").asText();
                    if (!budgets.contains(budget)) {
                        budgets.add(budget);
                    }
                    if (!methods.contains(method)) {
                        methods.add(method);
                    }
                    rows.add(List.of(esc(budget), "<span class=\"l\">" + esc(method) + "</span>",
                            count(row.path("params").asLong()), interval(row.path("loss")),
                            interval(row.path("accuracy")), interval(row.path("loss_vs_reference")),
                            interval(row.path("accuracy_vs_reference"))));
                }
                Html.table(html, null, List.of("budget", "<span class=\"l\">method</span>", "params", "held-out loss",
                        "accuracy", "Δ loss vs reference", "Δ accuracy vs reference"), rows);
                List<Charts.Bars> bars = new ArrayList<>();
                for (String budget : budgets) {
                    List<Double> values = new ArrayList<>();
                    List<Double> half = new ArrayList<>();
                    for (String method : methods) {
                        JsonNode d = null;
                        for (JsonNode row : config.path("table")) {
                            if (row.path("budget").asText().equals(budget) && row.path("method").asText().equals(method)) {
                                d = row.path("loss_vs_reference");
                            }
                        }
                        values.add(d == null ? Double.NaN : d.path("mean").asDouble(Double.NaN));
                        half.add(d == null ? Double.NaN
                                : (d.path("ci_high").asDouble(Double.NaN) - d.path("ci_low").asDouble(Double.NaN)) / 2);
                    }
                    bars.add(new Charts.Bars(budget, values, half));
                }
                chart("experiment-" + r.id() + "-loss-vs-reference.png", Charts.intervals("Held-out loss minus "
                        + config.path("reference").asText("the reference") + " (paired by seed, 95% CI)", "Δ loss",
                        methods, bars), "Below 0: the method's plan reached a lower held-out loss than the reference "
                        + "at the same budget. " + config.path("seeds").asInt() + " seeds, " + config.path("steps")
                        .asInt() + " SFT steps per plan.");
            }
        }

        private static JsonNode readJson(String text) {
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new HeteroloraException("a stored experiment table is not readable JSON: " + e.getOriginalMessage());
            }
        }

        private static String interval(JsonNode m) {
            double mean = m.path("mean").asDouble(Double.NaN);
            if (!Double.isFinite(mean)) {
                return "–";
            }
            double lo = m.path("ci_low").asDouble(Double.NaN);
            double hi = m.path("ci_high").asDouble(Double.NaN);
            return num(mean) + (Double.isFinite(lo) ? " [" + num(lo) + ", " + num(hi) + "]" : "");
        }

        private void runs(List<Run> runs) {
            html.append("<h2 id=\"runs\">Training runs</h2>\n");
            if (runs.isEmpty()) {
                note("No run is linked to this study yet.");
                return;
            }
            Map<Long, List<Metric>> metrics = new LinkedHashMap<>();
            runs.forEach(r -> metrics.put(r.id(), store.metrics(r.id())));
            List<List<String>> rows = new ArrayList<>();
            for (Run r : runs) {
                List<Metric> m = metrics.get(r.id());
                List<String> row = new ArrayList<>(List.of(Long.toString(r.id()), esc(r.kind()), esc(r.status().text()),
                        r.trialId() == null ? "–" : r.trialId().toString(),
                        m.isEmpty() ? "–" : Integer.toString(m.stream().mapToInt(Metric::step).max().orElse(0))));
                for (String name : CURVES.keySet()) {
                    row.add(num(last(m, name)));
                }
                row.add(esc(r.createdAt().toString()));
                row.add("<span class=\"l\">" + esc(r.message() == null ? "" : r.message()) + "</span>");
                rows.add(row);
            }
            List<String> headers = new ArrayList<>(List.of("run", "kind", "status", "trial", "last step"));
            CURVES.keySet().forEach(n -> headers.add("last " + esc(n)));
            headers.add("created");
            headers.add("<span class=\"l\">message</span>");
            Html.table(html, null, headers, rows);

            int i = 0;
            for (Map.Entry<String, String> curve : CURVES.entrySet()) {
                String name = curve.getKey();
                List<Charts.Line> lines = new ArrayList<>();
                List<List<String>> summary = new ArrayList<>();
                for (Run r : runs) {
                    List<Metric> series = metrics.get(r.id()).stream().filter(m -> m.name().equals(name)).toList();
                    double[] values = series.stream().mapToDouble(Metric::value).toArray();
                    if (java.util.Arrays.stream(values).noneMatch(Double::isFinite)) {
                        continue;
                    }
                    lines.add(new Charts.Line("run " + r.id() + " (" + r.kind() + ")",
                            series.stream().mapToDouble(Metric::step).toArray(), values));
                    double[] finite = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
                    summary.add(List.of(Long.toString(r.id()), esc(r.kind()), count(series.size()),
                            num(finite[0]), num(finite[finite.length - 1]),
                            num(java.util.Arrays.stream(finite).min().orElse(Double.NaN)),
                            num(java.util.Arrays.stream(finite).max().orElse(Double.NaN))));
                }
                if (lines.isEmpty()) {
                    continue;
                }
                i++;
                html.append("<h3>").append(esc(curve.getValue())).append("</h3>\n");
                chart("curve-" + fileSafe(name) + ".png", Charts.lines(curve.getValue() + " by step", "step",
                        name, lines), "Metric " + name + " of each run linked to the study, by training step.");
                Html.table(html, null, List.of("run", "kind", "points", "first", "last", "min", "max"), summary);
            }
            if (i == 0) {
                note("No run of this study recorded " + String.join(", ", CURVES.keySet()) + " yet.");
            } else {
                note("Every point of every curve is in the metric table (heterolora export or heterolora sql).");
            }
        }

        private void chart(String fileName, BufferedImage image, String caption) {
            String name = uniqueName(fileName);
            Charts.writePng(image, dir.resolve(name));
            files.add(name);
            html.append("<figure><img src=\"").append(esc(name)).append("\" width=\"").append(image.getWidth())
                    .append("\" height=\"").append(image.getHeight()).append("\" alt=\"").append(esc(caption))
                    .append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
        }

        private String uniqueName(String fileName) {
            String name = fileName;
            int n = 2;
            while (!usedNames.add(name)) {
                name = fileName.replaceFirst("\\.png$", "") + "-" + n++ + ".png";
            }
            return name;
        }

        private void note(String text) {
            html.append("<p class=\"note\">").append(esc(text)).append("</p>\n");
        }

        private void details(String summary, boolean open, Runnable body) {
            html.append("<details").append(open ? " open" : "").append("><summary>").append(esc(summary))
                    .append("</summary>\n");
            body.run();
            html.append("</details>\n");
        }
    }

    private static Map<String, String> curves() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("reward_mean", "Reward");
        m.put("kl", "KL divergence from the reference");
        m.put("win_rate", "Win rate");
        return java.util.Collections.unmodifiableMap(m);
    }

    private static void row(List<List<String>> rows, String key, String value) {
        rows.add(List.of(esc(key), esc(value)));
    }

    private static Set<String> proxies(List<Trial> trials) {
        Set<String> out = new TreeSet<>();
        trials.forEach(t -> out.addAll(t.proxyScores().keySet()));
        return out;
    }

    /** A plan as a compact list of sites and ranks, or the raw JSON when it cannot be read. */
    private static String planCell(String planJson) {
        try {
            PlanAllocation plan = PlanAllocation.parse(planJson);
            StringBuilder b = new StringBuilder();
            for (PlanAllocation.Site s : plan.sites()) {
                b.append(b.isEmpty() ? "" : " ").append(s.name()).append('=').append(s.rank());
            }
            return planSpan(b.isEmpty() ? "(no adapters)" : b.toString());
        } catch (HeteroloraException e) {
            return planSpan(planJson);
        }
    }

    private static String planSpan(String text) {
        return "<span class=\"plan\">" + esc(text) + "</span>";
    }

    private static double score(Validation v, String proxy) {
        Double s = v.proxyScores().get(proxy);
        if (s == null && proxy.equals("params")) {
            return v.params();
        }
        return s == null ? Double.NaN : s;
    }

    private static double achieved(Validation v, String target) {
        return target.equals(ValidationCorrelation.ORACLE_ACCURACY) ? v.oracleAccuracy() : v.trainedLoss();
    }

    private static double last(List<Metric> metrics, String name) {
        double v = Double.NaN;
        for (Metric m : metrics) {
            if (m.name().equals(name) && Double.isFinite(m.value())) {
                v = m.value();
            }
        }
        return v;
    }

    static String fileSafe(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_.-]", "_");
        return t.isEmpty() || t.startsWith(".") ? "_" + t : t;
    }

    private static String pretty(String json) {
        try {
            return JSON.writeValueAsString(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            return json;
        }
    }

    /** Refuses to replace anything but an empty folder or an earlier report. */
    private static void checkReplaceable(Path target) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new HeteroloraException(target + " exists and is not a folder");
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isEmpty()) {
                return;
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot read " + target + ": " + e.getMessage(), e);
        }
        Path index = target.resolve(INDEX);
        try {
            if (Files.isRegularFile(index) && Files.readString(index, StandardCharsets.UTF_8)
                    .contains("<meta name=\"generator\" content=\"" + GENERATOR + "\">")) {
                return;
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // unreadable: treat as foreign
        }
        throw new HeteroloraException(target + " exists and is not a heterolora report; choose another output folder");
    }

    /** Moves the finished report into place, replacing an earlier one (kept until the move succeeded). */
    private static void replace(Path tmp, Path target) {
        try {
            if (Files.exists(target)) {
                Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                    throw e;
                }
                deleteQuietly(old);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot move the report into " + target + ": " + e.getMessage(), e);
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isDirectory(p)) {
                    deleteQuietly(p);
                } else {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a leftover temporary folder is harmless
        }
    }
}
