package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.studies.Metric;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import dev.heterolora.studies.Validation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV and JSON exports parse back to the stored trials and metrics. */
class ExportTest {
    @TempDir
    static Path dir;
    private static StudyStore store;
    private static RecordedStudy study;
    private static long experimentRunId;
    private static final String EXPERIMENT = "{\"name\":\"small\",\"table\":[{\"budget\":\"1%\",\"method\":"
            + "\"peft-default\",\"params\":120,\"loss\":{\"mean\":1.5,\"ci_low\":1.25,\"ci_high\":1.75}},"
            + "{\"budget\":\"1%\",\"method\":\"random\",\"params\":118,\"loss\":{\"mean\":1.625,\"ci_low\":null,"
            + "\"ci_high\":null}}]}";

    @BeforeAll
    static void record() {
        store = RecordedStudy.open(dir);
        study = new RecordedStudy(store);
        experimentRunId = store.createRun(null, null, "experiment-allocation", EXPERIMENT, null);
        store.finishRun(experimentRunId, Status.FINISHED, null);
        store.finishRun(store.createRun(null, null, "experiment-allocation", "{\"table\":[]}", null), Status.FAILED,
                "not finished: left out");
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Test
    void csvRoundTrip(@TempDir Path out) throws IOException {
        List<Path> files = Export.write(store, study.studyId, "CSV", out.resolve("export"));
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("trials.csv", "metrics.csv",
                "validations.csv", "correlations.csv", "experiments.csv");
        assertThat(files).allSatisfy(f -> {
            assertThat(f.getParent()).isEqualTo(out.resolve("export/study-" + study.studyId).toAbsolutePath());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r--r--");
        });

        String trialsText = Files.readString(files.get(0), StandardCharsets.UTF_8);
        assertThat(trialsText).endsWith("\r\n");
        List<List<String>> trials = parseCsv(trialsText);
        List<String> header = new ArrayList<>(Export.TRIAL_COLUMNS);
        header.addAll(List.of("proxy_gradnorm", "proxy_params", "proxy_snip"));
        assertThat(trials.get(0)).isEqualTo(header);
        List<Trial> stored = store.trials(study.studyId);
        assertThat(trials).hasSize(1 + study.trialCount).hasSize(1 + stored.size());
        for (int i = 0; i < stored.size(); i++) {
            Trial t = stored.get(i);
            List<String> row = trials.get(i + 1);
            assertThat(Long.parseLong(row.get(0))).isEqualTo(t.id());
            assertThat(Integer.parseInt(row.get(1))).isEqualTo(t.seq());
            assertThat(Integer.parseInt(row.get(2))).isEqualTo(t.generation());
            assertThat(Long.parseLong(row.get(3))).isEqualTo(t.params());
            assertThat(Boolean.parseBoolean(row.get(4))).isEqualTo(t.feasible());
            assertThat(parse(row.get(5))).isEqualTo(Double.valueOf(t.fitness()));
            assertThat(Boolean.parseBoolean(row.get(6))).isEqualTo(t.pareto());
            assertThat(parse(row.get(7))).isEqualTo(t.seconds());
            assertThat(row.get(8)).isEqualTo(t.planJson());
            assertThat(parse(row.get(9))).isEqualTo(t.proxyScores().get("gradnorm"));
            assertThat(parse(row.get(11))).isEqualTo(t.proxyScores().get("snip"));
        }
        assertThat(trials.stream().skip(1).filter(r -> r.get(5).isEmpty())).hasSize(1);
        assertThat(trials.stream().skip(1).filter(r -> r.get(6).equals("true"))).hasSize(3);

        List<List<String>> metrics = parseCsv(Files.readString(files.get(1), StandardCharsets.UTF_8));
        assertThat(metrics.get(0)).isEqualTo(Export.METRIC_COLUMNS);
        assertThat(metrics).hasSize(1 + study.metricCount);
        List<Metric> ppo = store.metrics(study.ppoRunId);
        List<List<String>> ppoRows = metrics.stream().filter(r -> r.get(0).equals(Long.toString(study.ppoRunId))).toList();
        assertThat(ppoRows).hasSize(ppo.size());
        for (int i = 0; i < ppo.size(); i++) {
            assertThat(ppoRows.get(i).get(1)).isEqualTo("ppo");
            assertThat(Integer.parseInt(ppoRows.get(i).get(4))).isEqualTo(ppo.get(i).step());
            assertThat(ppoRows.get(i).get(5)).isEqualTo(ppo.get(i).name());
            assertThat(parse(ppoRows.get(i).get(6))).isEqualTo(Double.valueOf(ppo.get(i).value()));
        }
        assertThat(ppoRows.stream().filter(r -> r.get(6).isEmpty()).map(r -> r.get(5))).containsExactly("reward_mean");

        List<List<String>> validations = parseCsv(Files.readString(files.get(2), StandardCharsets.UTF_8));
        List<Validation> storedValidations = store.validations(study.validationRunId);
        assertThat(validations).hasSize(1 + storedValidations.size()).hasSize(8);
        assertThat(validations.get(0).subList(0, Export.VALIDATION_COLUMNS.size())).isEqualTo(Export.VALIDATION_COLUMNS);
        for (int i = 0; i < storedValidations.size(); i++) {
            Validation v = storedValidations.get(i);
            List<String> row = validations.get(i + 1);
            assertThat(row.get(2)).isEqualTo(v.label());
            assertThat(parse(row.get(4))).isEqualTo(v.trainedLoss());
            assertThat(parse(row.get(5))).isEqualTo(v.oracleAccuracy());
            assertThat(parse(row.get(validations.get(0).indexOf("proxy_snip")))).isEqualTo(v.proxyScores().get("snip"));
        }
        List<List<String>> correlations = parseCsv(Files.readString(files.get(3), StandardCharsets.UTF_8));
        assertThat(correlations.get(0)).isEqualTo(Export.CORRELATION_COLUMNS);
        assertThat(correlations).hasSize(1 + store.correlations(study.validationRunId).size()).hasSizeGreaterThan(1);
        List<List<String>> experiments = parseCsv(Files.readString(files.get(4), StandardCharsets.UTF_8));
        assertThat(experiments).containsExactly(
                List.of("run_id", "run_kind", "experiment", "budget", "method", "params", "loss.mean", "loss.ci_low",
                        "loss.ci_high"),
                List.of(Long.toString(experimentRunId), "experiment-allocation", "small", "1%", "peft-default", "120",
                        "1.5", "1.25", "1.75"),
                List.of(Long.toString(experimentRunId), "experiment-allocation", "small", "1%", "random", "118",
                        "1.625", "", ""));
    }

    @Test
    void jsonRoundTrip(@TempDir Path out) throws IOException {
        List<Path> files = Export.write(store, study.studyId, "json", out);
        assertThat(files).containsExactly(out.toAbsolutePath().resolve("study-" + study.studyId + ".json"));
        JsonNode root = new ObjectMapper().readTree(files.get(0).toFile());
        assertThat(root.get("format").asText()).isEqualTo("heterolora-export");
        assertThat(root.at("/study/name").asText()).isEqualTo("report, \"fixture\" <study>");
        assertThat(root.at("/study/config/population").asInt()).isEqualTo(6);
        assertThat(root.get("proxies")).extracting(JsonNode::asText).containsExactly("gradnorm", "params", "snip");
        List<Trial> stored = store.trials(study.studyId);
        assertThat(root.get("trials")).hasSize(stored.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < stored.size(); i++) {
            Trial t = stored.get(i);
            JsonNode n = root.get("trials").get(i);
            assertThat(n.get("id").asLong()).isEqualTo(t.id());
            if (Double.isFinite(t.fitness())) {
                assertThat(n.get("fitness").asDouble()).isEqualTo(t.fitness());
            } else {
                assertThat(n.get("fitness").isNull()).isTrue();
            }
            assertThat(n.get("plan")).isEqualTo(json.readTree(t.planJson()));
            assertThat(n.at("/proxy_scores/snip").asDouble()).isEqualTo(t.proxyScores().get("snip"));
            assertThat(n.get("pareto").asBoolean()).isEqualTo(t.pareto());
        }
        List<Run> runs = store.runs(study.studyId);
        assertThat(root.get("runs")).hasSize(runs.size()).hasSize(3);
        int metrics = 0;
        for (int i = 0; i < runs.size(); i++) {
            JsonNode r = root.get("runs").get(i);
            assertThat(r.get("id").asLong()).isEqualTo(runs.get(i).id());
            assertThat(r.get("kind").asText()).isEqualTo(runs.get(i).kind());
            assertThat(r.get("metrics")).hasSize(store.metrics(runs.get(i).id()).size());
            metrics += r.get("metrics").size();
        }
        assertThat(metrics).isEqualTo(study.metricCount);

        assertThat(root.get("validations")).hasSize(store.validations(study.validationRunId).size());
        assertThat(root.at("/validations/0/label").asText())
                .isEqualTo(store.validations(study.validationRunId).get(0).label());
        assertThat(root.get("correlations")).hasSize(store.correlations(study.validationRunId).size());
        assertThat(root.get("experiments")).hasSize(1);
        assertThat(root.at("/experiments/0/table")).isEqualTo(json.readTree(EXPERIMENT));

        Path both = out.resolve("both");
        assertThat(Export.write(store, study.studyId, "all", both)).hasSize(6)
                .startsWith(both.toAbsolutePath().resolve("study-" + study.studyId + ".json"));
        assertThat(json.readTree(both.resolve("study-" + study.studyId + ".json").toFile())).isEqualTo(root);
    }

    @Test
    void badFormatsAndPathsFailWithOneLine(@TempDir Path out) throws IOException {
        assertThatThrownBy(() -> Export.write(store, study.studyId, "xml", out)).isInstanceOf(HeteroloraException.class)
                .hasMessage("unknown export format 'xml' (expected all, csv or json)");
        assertThatThrownBy(() -> Export.write(store, 9_999, "csv", out)).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study with id 9999");
        Path file = Files.writeString(out.resolve("file.txt"), "x");
        assertThatThrownBy(() -> Export.write(store, study.studyId, "csv", file)).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("is not a folder").hasMessageNotContaining("\n");
    }

    @Test
    void csvFieldsAreQuotedPerRfc4180() {
        assertThat(Export.csvField("plain")).isEqualTo("plain");
        assertThat(Export.csvField("a,b")).isEqualTo("\"a,b\"");
        assertThat(Export.csvField("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(Export.csvField("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(Export.csvField(null)).isEmpty();
    }

    private static Double parse(String field) {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    /** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        boolean quoted = false;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
                i++;
            } else if (c == '"') {
                assertThat(field).as("quote inside an unquoted field").isEmpty();
                quoted = true;
                i++;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                i++;
            } else if (c == '\r') {
                assertThat(text.charAt(i + 1)).isEqualTo('\n');
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i += 2;
            } else {
                assertThat(c).as("bare line feed").isNotEqualTo('\n');
                field.append(c);
                i++;
            }
        }
        assertThat(quoted).isFalse();
        assertThat(row).isEmpty();
        return rows;
    }
}
