package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.studies.Metric;
import dev.heterolora.studies.Run;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Trial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @BeforeAll
    static void record() {
        store = RecordedStudy.open(dir);
        study = new RecordedStudy(store);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Test
    void csvRoundTrip(@TempDir Path out) throws IOException {
        List<Path> files = Export.write(store, study.studyId, "CSV", out.resolve("export"));
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("trials.csv", "metrics.csv");

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

        Path named = out.resolve("sub/named.json");
        assertThat(Export.write(store, study.studyId, "json", named)).containsExactly(named.toAbsolutePath());
        assertThat(new ObjectMapper().readTree(named.toFile())).isEqualTo(root.deepCopy());
    }

    @Test
    void badFormatsAndPathsFailWithOneLine(@TempDir Path out) throws IOException {
        assertThatThrownBy(() -> Export.write(store, study.studyId, "xml", out)).isInstanceOf(HeteroloraException.class)
                .hasMessage("unknown export format 'xml' (expected csv or json)");
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
