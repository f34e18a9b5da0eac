package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.studies.Metric;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Study;
import dev.heterolora.studies.StudyStorage;
import dev.heterolora.studies.Trial;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a study's trials and runs for other tools.
 *
 * <p><b>csv</b>: {@code out} is a folder (created if needed) that receives two RFC 4180 files (UTF-8, CRLF line ends,
 * a header row, fields quoted when they hold a comma, quote or line break): {@code trials.csv} with
 * {@code id, seq, generation, params, feasible, fitness, pareto, seconds, plan_json} and one column
 * {@code proxy_<name>} per proxy (prefixed, since a proxy may be called {@code params}); and {@code metrics.csv} with
 * {@code run_id, run_kind, run_status, trial_id, step, name, value}, one row per metric of each run of the study.
 * Non-finite numbers are empty fields; doubles are written in Java's shortest round-trip form.
 *
 * <p><b>json</b>: one document {@code {"format":"heterolora-export","version":1,"study":{…},"proxies":[…],
 * "trials":[…],"runs":[{…,"metrics":[{"step","name","value"}]}]}}, written to {@code out} (or to
 * {@code out/study-ID.json} when {@code out} is an existing folder). Plans and configurations are embedded as JSON
 * objects (as strings if they are not valid JSON); non-finite numbers are {@code null}.
 *
 * <p>Every file is written to a temporary file beside it and moved into place.
 */
public final class Export {
    /** The formats {@link #write} accepts. */
    public static final List<String> FORMATS = List.of("csv", "json");
    /** The trial columns before the proxy columns. */
    public static final List<String> TRIAL_COLUMNS = List.of("id", "seq", "generation", "params", "feasible", "fitness",
            "pareto", "seconds", "plan_json");
    /** The metric columns. */
    public static final List<String> METRIC_COLUMNS = List.of("run_id", "run_kind", "run_status", "trial_id", "step",
            "name", "value");
    /** Prefix of the proxy columns of {@code trials.csv}. */
    public static final String PROXY_PREFIX = "proxy_";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Export() {}

    /**
     * Exports a study.
     *
     * @param format {@code csv} or {@code json} (case-insensitive)
     * @return the files written
     * @throws HeteroloraException (one line) for an unknown format or study, or an unusable output path
     */
    public static List<Path> write(StudyStorage store, long studyId, String format, Path out) {
        String f = format == null ? "" : format.trim().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new HeteroloraException("unknown export format '" + format + "' (expected csv or json)");
        }
        Study study = store.study(studyId).orElseThrow(() -> new HeteroloraException("no study with id " + studyId));
        List<Trial> trials = store.trials(studyId);
        List<Run> runs = store.runs(studyId);
        Path target = out.toAbsolutePath().normalize();
        try {
            if (f.equals("csv")) {
                if (Files.exists(target) && !Files.isDirectory(target)) {
                    throw new HeteroloraException(target + " exists and is not a folder (csv export writes trials.csv and "
                            + "metrics.csv into a folder)");
                }
                Files.createDirectories(target);
                Path trialsFile = target.resolve("trials.csv");
                Path metricsFile = target.resolve("metrics.csv");
                atomically(trialsFile, o -> trialsCsv(trials, o));
                atomically(metricsFile, o -> metricsCsv(store, runs, o));
                return List.of(trialsFile, metricsFile);
            }
            Path file = Files.isDirectory(target) ? target.resolve("study-" + studyId + ".json") : target;
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            atomically(file, o -> json(store, study, trials, runs, o));
            return List.of(file);
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

    private static void json(StudyStorage store, Study study, List<Trial> trials, List<Run> runs, OutputStream o)
            throws IOException {
        try (JsonGenerator g = JSON.getFactory().createGenerator(o, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", "heterolora-export");
            g.writeNumberField("version", 1);
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
            g.writeEndObject();
        }
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

    @FunctionalInterface
    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    private static void atomically(Path file, Body body) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".tmp");
        try {
            try (OutputStream o = Files.newOutputStream(tmp)) {
                body.write(o);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
