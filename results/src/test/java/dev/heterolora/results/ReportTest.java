package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.heterolora.studies.NewStudy;
import dev.heterolora.studies.StudyStore;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report of a recorded study: every chart, every title, nothing external, atomic replacement. */
class ReportTest {
    @TempDir
    static Path dir;
    private static StudyStore store;
    private static RecordedStudy study;
    private static List<Path> files;
    private static String html;
    private static long experimentRun;

    /** An allocation experiment table as experiment allocation stores it (2 budgets x 2 methods x 2 seeds). */
    private static long recordAllocationExperiment(StudyStore store) {
        List<AllocationTable.Cell> cells = new java.util.ArrayList<>();
        for (String budget : List.of("1%", "4%")) {
            for (long seed = 0; seed < 2; seed++) {
                cells.add(new AllocationTable.Cell(budget, seed, "peft-default", 100, 0.50 + seed / 100.0, 0.5,
                        java.util.Map.of(), java.util.Map.of("fact", 0.8)));
                cells.add(new AllocationTable.Cell(budget, seed, "search-snip", 120, 0.49 + seed / 90.0, 0.52,
                        java.util.Map.of(), java.util.Map.of("fact", 0.81)));
            }
        }
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = mapper.createObjectNode().put("name", "unit").put("reference", "peft-default").put("seeds", 2)
                .put("steps", 10);
        config.set("table", AllocationTable.toJson(AllocationTable.rows(cells, "peft-default"), mapper));
        long id = store.createRun(null, null, "experiment-allocation", config.toString(), null);
        store.finishRun(id, dev.heterolora.studies.Status.FINISHED, null);
        return id;
    }

    @BeforeAll
    static void writeReport() throws IOException {
        store = RecordedStudy.open(dir);
        study = new RecordedStudy(store);
        experimentRun = recordAllocationExperiment(store);
        files = Report.write(store, study.studyId, dir.resolve("report"));
        html = Files.readString(dir.resolve("report/index.html"), StandardCharsets.UTF_8);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Test
    void writesTheIndexAndEveryChart() {
        long v = study.validationRunId;
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("index.html", "history.png",
                "pareto.png", "allocation-1.png", "allocation-2.png", "allocation-3.png",
                "validation-run" + v + "-gradnorm.png", "validation-run" + v + "-params.png",
                "validation-run" + v + "-snip.png", "curve-reward_mean.png", "curve-kl.png", "curve-win_rate.png",
                "experiment-" + experimentRun + "-loss-vs-reference.png");
        assertThat(html).contains("Allocation experiment 'unit' (run " + experimentRun + ")", "Δ loss vs reference");
        assertThat(files).allSatisfy(f -> assertThat(f.getParent()).isEqualTo(dir.resolve("report").toAbsolutePath()));
    }

    @Test
    void everyPngIsNonEmptyDecodableAndNotBlank() throws IOException {
        for (Path f : files.stream().filter(p -> p.toString().endsWith(".png")).toList()) {
            assertThat(Files.size(f)).as(f.toString()).isPositive();
            BufferedImage image = ImageIO.read(f.toFile());
            assertThat(image).as(f.toString()).isNotNull();
            assertThat(image.getWidth()).isGreaterThanOrEqualTo(600);
            assertThat(image.getHeight()).isGreaterThanOrEqualTo(300);
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 3) {
                for (int x = 0; x < image.getWidth(); x += 3) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertThat(colours.size()).as("distinct colours in " + f).isGreaterThan(8);
            assertThat(html).contains("<img src=\"" + f.getFileName() + "\"");
        }
        assertThat(System.getProperty("java.awt.headless")).isEqualTo("true");
    }

    @Test
    void hasTheExpectedTitlesAndTables() {
        assertThat(html).contains("<title>heterolora · Study " + study.studyId + ": report, &quot;fixture&quot; &lt;study&gt;</title>",
                "<h1>Study " + study.studyId + ": report, &quot;fixture&quot; &lt;study&gt;</h1>",
                "<h2 id=\"configuration\">Configuration</h2>", "<h2 id=\"history\">Search history</h2>",
                "<h2 id=\"top\">Top trials</h2>", "<h2 id=\"pareto\">Pareto front</h2>",
                "<h2 id=\"allocation\">Allocation of the best plans</h2>", "<h3>Best plan: trial ", "<h3>Runner-up 1: trial ",
                "<h3>Runner-up 2: trial ", "<h2 id=\"validation\">Proxy validation</h2>",
                "<h3>Validation run " + study.validationRunId + " (finished)</h3>", "<h2 id=\"runs\">Training runs</h2>",
                "<h3>Reward</h3>", "<h3>KL divergence from the reference</h3>", "<h3>Win rate</h3>",
                "per-generation statistics (4 generations)", "Pareto trials (3)", "uniform r=1", "Spearman ρ",
                "Kendall τ-b", "nsga2", "&quot;population&quot; : 6", "done, 20 steps");
        // the tables behind the charts: one row per generation, the top trials with every proxy, the correlations
        assertThat(count(html, "<tr><td>")).isGreaterThan(4 + 20 + 3 + 7 + 3 + 3);
        assertThat(html).contains("<th>gradnorm</th><th>params</th><th>snip</th>");
        assertThat(html).doesNotContain("computed by this report");
    }

    @Test
    void isSelfContained() {
        assertThat(html).doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("<link")
                .doesNotContainIgnoringCase("@import").doesNotContainIgnoringCase("@font-face")
                .doesNotContainIgnoringCase("url(");
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        int refs = 0;
        while (m.find()) {
            refs++;
            String ref = m.group(1);
            assertThat(ref.startsWith("#") || (ref.matches("[A-Za-z0-9_.-]+\\.png")
                    && Files.isRegularFile(dir.resolve("report").resolve(ref)))).as(ref).isTrue();
        }
        assertThat(refs).isGreaterThan(11);
    }

    @Test
    void replacesAnEarlierReportAndLeavesNoTemporaryFolders(@TempDir Path out) throws IOException {
        Path target = out.resolve("r");
        Report.write(store, study.studyId, target);
        Files.writeString(target.resolve("stale.png"), "old");
        List<Path> again = Report.write(store, study.studyId, target);
        try (Stream<Path> listed = Files.list(target)) {
            assertThat(listed.map(p -> p.getFileName().toString()).sorted().toList())
                    .isEqualTo(again.stream().map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> siblings = Files.list(out)) {
            assertThat(siblings.map(p -> p.getFileName().toString()).toList()).containsExactly("r");
        }
    }

    @Test
    void refusesToReplaceAFolderThatIsNoReport(@TempDir Path out) throws IOException {
        Files.writeString(out.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> Report.write(store, study.studyId, out)).isInstanceOf(HeteroloraException.class)
                .hasMessageContaining("is not a heterolora report");
        assertThat(out.resolve("notes.txt")).hasContent("mine");
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            assertThat(siblings.filter(p -> p.getFileName().toString().startsWith("." + out.getFileName() + ".tmp-"))
                    .toList()).isEmpty();
        }
    }

    @Test
    void failsWithOneLineForAnUnknownStudy(@TempDir Path out) {
        assertThatThrownBy(() -> Report.write(store, 9_999, out.resolve("x"))).isInstanceOf(HeteroloraException.class)
                .hasMessage("no study with id 9999");
        assertThat(out.resolve("x")).doesNotExist();
    }

    @Test
    void anEmptyStudyGetsAPageWithoutCharts(@TempDir Path out) throws IOException {
        long empty = store.createStudy(new NewStudy("empty", 1, "ga", "1%", 10, 1000, null, null, "{}", "not json"));
        List<Path> written = Report.write(store, empty, out.resolve("e"));
        // the database's allocation experiment is shown with every study's report
        assertThat(written).extracting(p -> p.getFileName().toString()).containsExactly("index.html",
                "experiment-" + experimentRun + "-loss-vs-reference.png");
        assertThat(Files.readString(written.get(0))).contains("The study has no trials yet.",
                "No validation run for this study yet", "No run is linked to this study yet.");
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
