package dev.heterolora.results;

import dev.heterolora.core.AtomicFile;
import dev.heterolora.core.HeteroloraException;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.studies.Metric;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Validation;
import dev.heterolora.studies.ValidationCorrelation;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a study's trials, runs, validations and the database's experiments for other tools.
 *
 * <p>Into the folder {@code out} (created if needed) go {@code study-ID.json} (format {@code json}), a folder
 * {@code study-ID/} of CSV files (format {@code csv}), or both (format {@code all}, the default of
 * {@code heterolora export}). Files are mode 0644 where the file system has POSIX permissions, even inside a private
 * data directory: exports are meant to be shared.
 *
 * <p><b>csv</b>: RFC 4180 files (UTF-8, CRLF line ends, a header row, fields quoted when they hold a comma, quote or
 * line break): {@code trials.csv} with {@code id, seq, generation, params, feasible, fitness, pareto, seconds,
 * plan_json} and one column {@code proxy_<name>} per proxy (prefixed, since a proxy may be called {@code params});
 * {@code metrics.csv} with {@code run_id, run_kind, run_status, trial_id, step, name, value}, one row per metric of
 * each run of the study; {@code validations.csv} with {@link #VALIDATION_COLUMNS} and the proxy columns, one row per
 * plan trained by {@code heterolora validate} on this study; {@code correlations.csv} with
 * {@link #CORRELATION_COLUMNS}, how each proxy's ranking agreed with the trained results; and
 * {@code experiments.csv} with {@code run_id, run_kind, experiment} and the fields of each experiment table row
 * (nested objects flattened with dots, e.g. {@code loss.mean}), one row per row of every finished
 * {@code experiment allocation} and {@code experiment rlhf} table in the database (experiments are not tied to one
 * study). Non-finite numbers are empty fields; doubles are written in Java's shortest round-trip form.
 *
 * <p><b>json</b>: one document {@code {"format":"heterolora-export","version":2,"study":{…},"proxies":[…],
 * "trials":[…],"runs":[{…,"metrics":[{"step","name","value"}]}],"validations":[…],"correlations":[…],
 * "experiments":[{"run_id","kind","created_at","table":…}]}}. Plans and configurations are embedded as JSON objects
 * (as strings if they are not valid JSON); non-finite numbers are {@code null}.
 *
 * <p>Every file is written to a temporary file beside it and moved into place.
 */
public final class Export {
    /** The formats {@link #write} accepts. */
    public static final List<String> FORMATS = List.of("all", "csv", "json");
    /** The trial columns before the proxy columns. */
    public static final List<String> TRIAL_COLUMNS = List.of("id", "seq", "generation", "params", "feasible", "fitness",
            "pareto", "seconds", "plan_json");
    /** The metric columns. */
    public static final List<String> METRIC_COLUMNS = List.of("run_id", "run_kind", "run_status", "trial_id", "step",
            "name", "value");
    /** The validation columns before the proxy columns. */
    public static final List<String> VALIDATION_COLUMNS = List.of("run_id", "trial_id", "label", "params",
            "trained_loss", "oracle_accuracy", "seconds", "plan_json");
    /** The correlation columns. */
    public static final List<String> CORRELATION_COLUMNS = List.of("run_id", "proxy", "target", "spearman", "kendall",
            "spearman_low", "spearman_high", "kendall_low", "kendall_high", "regret", "n");
    /** Prefix of the proxy columns of {@code trials.csv} and {@code validations.csv}. */
    public static final String PROXY_PREFIX = "proxy_";
    /** The kinds of run whose configuration is an experiment's result table. */
    public static final List<String> EXPERIMENT_KINDS = List.of("experiment-allocation", "experiment-rlhf");

    private static final ObjectMapper JSON = new ObjectMapper();

    private Export() {}

    /** What one export reads from the store. */
    private record Contents(Study study, List<Trial> trials, List<Run> runs, List<Validation> validations,
                            List<ValidationCorrelation> correlations, List<Run> experiments) {
        static Contents of(StudyStorage store, long studyId) {
            Study study = store.study(studyId).orElseThrow(() -> new HeteroloraException("no study with id " + studyId));
            List<Run> runs = store.runs(studyId);
            List<Validation> validations = new ArrayList<>();
            List<ValidationCorrelation> correlations = new ArrayList<>();
            for (Run r : runs) {
                validations.addAll(store.validations(r.id()));
                correlations.addAll(store.correlations(r.id()));
            }
            List<Run> experiments = store.runs(null).stream()
                    .filter(r -> EXPERIMENT_KINDS.contains(r.kind()) && r.status() == Status.FINISHED).toList();
            return new Contents(study, store.trials(studyId), runs, validations, correlations, experiments);
        }
    }

    /**
     * Exports a study into the folder {@code out}.
     *
     * @param format {@code all}, {@code csv} or {@code json} (case-insensitive)
     * @return the files written
     * @throws HeteroloraException (one line) for an unknown format or study, or an unusable output folder
     */
    public static List<Path> write(StudyStorage store, long studyId, String format, Path out) {
        String f = format == null ? "" : format.trim().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new HeteroloraException("unknown export format '" + format + "' (expected all, csv or json)");
        }
        Contents c = Contents.of(store, studyId);
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new HeteroloraException(target + " exists and is not a folder (export writes study-" + studyId
                    + ".json and study-" + studyId + "/ into a folder)");
        }
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(target);
            if (!f.equals("csv")) {
                Path file = target.resolve("study-" + studyId + ".json");
                AtomicFile.write(file, o -> json(store, c, o));
                written.add(file);
            }
            if (!f.equals("json")) {
                Path folder = target.resolve("study-" + studyId);
                Files.createDirectories(folder);
                Map<String, AtomicFile.Content> files = new LinkedHashMap<>();
                files.put("trials.csv", o -> trialsCsv(c.trials(), o));
                files.put("metrics.csv", o -> metricsCsv(store, c.runs(), o));
                files.put("validations.csv", o -> validationsCsv(c.validations(), o));
                files.put("correlations.csv", o -> correlationsCsv(c.correlations(), o));
                files.put("experiments.csv", o -> experimentsCsv(c.experiments(), o));
                for (Map.Entry<String, AtomicFile.Content> e : files.entrySet()) {
                    Path file = folder.resolve(e.getKey());
                    AtomicFile.write(file, e.getValue());
                    written.add(file);
                }
            }
            return written;
        } catch (IOException e) {
            throw new HeteroloraException("cannot export study " + studyId + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /** The proxies that appear in any trial, sorted. */
    static Set<String> proxies(List<Trial> trials) {
        Set<String> out = new TreeSet<>();
        trials.forEach(t -> out.addAll(t.proxyScores().keySet()));
        return out;
    }

    private static void trialsCsv(List<Trial> trials, OutputStream o) throws IOException {
        Set<String> proxies = proxies(trials);
        Writer w = new BufferedWriter(new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8));
        List<String> header = new ArrayList<>(TRIAL_COLUMNS);
        proxies.forEach(p -> header.add(PROXY_PREFIX + p));
        csvRow(w, header);
        for (Trial t : trials) {
            List<String> row = new ArrayList<>(List.of(Long.toString(t.id()), Integer.toString(t.seq()),
                    Integer.toString(t.generation()), Long.toString(t.params()), Boolean.toString(t.feasible()),
                    number(t.fitness()), Boolean.toString(t.pareto()), number(t.seconds()), t.planJson()));
            proxies.forEach(p -> row.add(number(t.proxyScores().getOrDefault(p, Double.NaN))));
            csvRow(w, row);
        }
        w.flush();
    }

    private static void metricsCsv(StudyStorage store, List<Run> runs, OutputStream o) throws IOException {
        Writer w = new BufferedWriter(new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8));
        csvRow(w, METRIC_COLUMNS);
        for (Run r : runs) {
            for (Metric m : store.metrics(r.id())) {
                csvRow(w, List.of(Long.toString(r.id()), r.kind(), r.status().text(),
                        r.trialId() == null ? "" : r.trialId().toString(), Integer.toString(m.step()), m.name(),
                        number(m.value())));
            }
        }
        w.flush();
    }

    private static void validationsCsv(List<Validation> validations, OutputStream o) throws IOException {
        Set<String> proxies = new TreeSet<>();
        validations.forEach(v -> proxies.addAll(v.proxyScores().keySet()));
        Writer w = new BufferedWriter(new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8));
        List<String> header = new ArrayList<>(VALIDATION_COLUMNS);
        proxies.forEach(p -> header.add(PROXY_PREFIX + p));
        csvRow(w, header);
        for (Validation v : validations) {
            List<String> row = new ArrayList<>(List.of(Long.toString(v.runId()),
                    v.trialId() == null ? "" : v.trialId().toString(), v.label(), Long.toString(v.params()),
                    number(v.trainedLoss()), number(v.oracleAccuracy()), number(v.seconds()), v.planJson()));
            proxies.forEach(p -> row.add(number(v.proxyScores().getOrDefault(p, Double.NaN))));
            csvRow(w, row);
        }
        w.flush();
    }

    private static void correlationsCsv(List<ValidationCorrelation> correlations, OutputStream o) throws IOException {
        Writer w = new BufferedWriter(new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8));
        csvRow(w, CORRELATION_COLUMNS);
        for (ValidationCorrelation c : correlations) {
            csvRow(w, List.of(Long.toString(c.runId()), c.proxy(), c.target(), number(c.spearman()),
                    number(c.kendall()), number(c.spearmanLow()), number(c.spearmanHigh()), number(c.kendallLow()),
                    number(c.kendallHigh()), number(c.regret()), Integer.toString(c.n())));
        }
        w.flush();
    }

    /** The rows of an experiment's stored table: the configuration itself (rlhf) or its {@code table} (allocation). */
    private static List<JsonNode> tableRows(Run experiment) {
        JsonNode config = readOrNull(experiment.configJson());
        JsonNode table = config == null ? null : config.isArray() ? config : config.get("table");
        List<JsonNode> rows = new ArrayList<>();
        if (table != null && table.isArray()) {
            table.forEach(rows::add);
        }
        return rows;
    }

    private static void experimentsCsv(List<Run> experiments, OutputStream o) throws IOException {
        List<String> prefix = List.of("run_id", "run_kind", "experiment");
        Set<String> fields = new LinkedHashSet<>();
        List<List<String>> rows = new ArrayList<>();
        List<Map<String, String>> flat = new ArrayList<>();
        for (Run r : experiments) {
            JsonNode config = readOrNull(r.configJson());
            String name = config != null && config.isObject() ? config.path("name").asText("") : "";
            for (JsonNode row : tableRows(r)) {
                Map<String, String> cells = new LinkedHashMap<>();
                flatten("", row, cells);
                fields.addAll(cells.keySet());
                flat.add(cells);
                rows.add(List.of(Long.toString(r.id()), r.kind(), name));
            }
        }
        Writer w = new BufferedWriter(new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8));
        List<String> header = new ArrayList<>(prefix);
        header.addAll(fields);
        csvRow(w, header);
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = new ArrayList<>(rows.get(i));
            Map<String, String> cells = flat.get(i);
            fields.forEach(f -> row.add(cells.getOrDefault(f, "")));
            csvRow(w, row);
        }
        w.flush();
    }

    /** Object fields become dotted columns; arrays stay JSON text; null and non-finite numbers are empty. */
    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else if (node.isNull()) {
            out.put(prefix, "");
        } else if (node.isArray()) {
            out.put(prefix, node.toString());
        } else if (node.isNumber()) {
            out.put(prefix, node.isIntegralNumber() ? node.asText() : number(node.asDouble()));
        } else {
            out.put(prefix, node.asText());
        }
    }

    private static JsonNode readOrNull(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static void json(StudyStorage store, Contents c, OutputStream o) throws IOException {
        Study study = c.study();
        List<Trial> trials = c.trials();
        List<Run> runs = c.runs();
        try (JsonGenerator g = JSON.getFactory().createGenerator(o, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", "heterolora-export");
            g.writeNumberField("version", 2);
            g.writeObjectFieldStart("study");
            g.writeNumberField("id", study.id());
            g.writeStringField("name", study.name());
            g.writeStringField("status", study.status().text());
            g.writeStringField("strategy", study.strategy());
            g.writeNumberField("seed", study.seed());
            g.writeStringField("budget_text", study.budgetText());
            g.writeNumberField("budget_limit", study.budgetLimit());
            g.writeNumberField("base_params", study.baseParams());
            g.writeStringField("model_path", study.modelPath());
            g.writeStringField("model_hash", study.modelHash());
            g.writeStringField("created_at", study.createdAt().toString());
            g.writeStringField("updated_at", study.updatedAt().toString());
            g.writeFieldName("best_trial_id");
            if (study.bestTrialId() == null) {
                g.writeNull();
            } else {
                g.writeNumber(study.bestTrialId());
            }
            g.writeFieldName("config");
            embedded(g, study.configJson());
            g.writeFieldName("search_space");
            embedded(g, study.searchSpaceJson());
            g.writeEndObject();

            g.writeArrayFieldStart("proxies");
            for (String p : proxies(trials)) {
                g.writeString(p);
            }
            g.writeEndArray();

            g.writeArrayFieldStart("trials");
            for (Trial t : trials) {
                g.writeStartObject();
                g.writeNumberField("id", t.id());
                g.writeNumberField("seq", t.seq());
                g.writeNumberField("generation", t.generation());
                g.writeNumberField("params", t.params());
                g.writeBooleanField("feasible", t.feasible());
                numberField(g, "fitness", t.fitness());
                g.writeBooleanField("pareto", t.pareto());
                numberField(g, "seconds", t.seconds());
                g.writeStringField("created_at", t.createdAt().toString());
                g.writeFieldName("plan");
                embedded(g, t.planJson());
                g.writeObjectFieldStart("proxy_scores");
                for (var e : t.proxyScores().entrySet()) {
                    numberField(g, e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();

            g.writeArrayFieldStart("runs");
            for (Run r : runs) {
                g.writeStartObject();
                g.writeNumberField("id", r.id());
                g.writeFieldName("trial_id");
                if (r.trialId() == null) {
                    g.writeNull();
                } else {
                    g.writeNumber(r.trialId());
                }
                g.writeStringField("kind", r.kind());
                g.writeStringField("status", r.status().text());
                g.writeStringField("message", r.message());
                g.writeStringField("output_dir", r.outputDir());
                g.writeStringField("created_at", r.createdAt().toString());
                g.writeStringField("updated_at", r.updatedAt().toString());
                g.writeFieldName("config");
                embedded(g, r.configJson());
                g.writeArrayFieldStart("metrics");
                for (Metric m : store.metrics(r.id())) {
                    g.writeStartObject();
                    g.writeNumberField("step", m.step());
                    g.writeStringField("name", m.name());
                    numberField(g, "value", m.value());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            validationsJson(g, c.validations());
            correlationsJson(g, c.correlations());
            g.writeArrayFieldStart("experiments");
            for (Run r : c.experiments()) {
                g.writeStartObject();
                g.writeNumberField("run_id", r.id());
                g.writeStringField("kind", r.kind());
                g.writeStringField("created_at", r.createdAt().toString());
                g.writeFieldName("table");
                embedded(g, r.configJson());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void validationsJson(JsonGenerator g, List<Validation> validations) throws IOException {
        g.writeArrayFieldStart("validations");
        for (Validation v : validations) {
            g.writeStartObject();
            g.writeNumberField("run_id", v.runId());
            g.writeFieldName("trial_id");
            if (v.trialId() == null) {
                g.writeNull();
            } else {
                g.writeNumber(v.trialId());
            }
            g.writeStringField("label", v.label());
            g.writeNumberField("params", v.params());
            numberField(g, "trained_loss", v.trainedLoss());
            numberField(g, "oracle_accuracy", v.oracleAccuracy());
            numberField(g, "seconds", v.seconds());
            g.writeFieldName("plan");
            embedded(g, v.planJson());
            g.writeObjectFieldStart("proxy_scores");
            for (var e : v.proxyScores().entrySet()) {
                numberField(g, e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void correlationsJson(JsonGenerator g, List<ValidationCorrelation> correlations) throws IOException {
        g.writeArrayFieldStart("correlations");
        for (ValidationCorrelation c : correlations) {
            g.writeStartObject();
            g.writeNumberField("run_id", c.runId());
            g.writeStringField("proxy", c.proxy());
            g.writeStringField("target", c.target());
            numberField(g, "spearman", c.spearman());
            numberField(g, "kendall", c.kendall());
            numberField(g, "spearman_low", c.spearmanLow());
            numberField(g, "spearman_high", c.spearmanHigh());
            numberField(g, "kendall_low", c.kendallLow());
            numberField(g, "kendall_high", c.kendallHigh());
            numberField(g, "regret", c.regret());
            g.writeNumberField("n", c.n());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void embedded(JsonGenerator g, String json) throws IOException {
        if (json == null) {
            g.writeNull();
            return;
        }
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || node.isMissingNode()) {
                g.writeString(json);
            } else {
                g.writeTree(node);
            }
        } catch (JsonProcessingException e) {
            g.writeString(json);
        }
    }

    private static void numberField(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }

    private static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    /** Writes one CSV record (RFC 4180): fields joined by commas, quoted when needed, CRLF at the end. */
    static void csvRow(Writer w, List<String> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(csvField(fields.get(i)));
        }
        w.write("\r\n");
    }

    /** A field as RFC 4180 writes it: quoted (quotes doubled) if it holds a comma, quote, CR or LF. */
    static String csvField(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

}
