package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's habits of the command line: one-line parse errors with suggestions, the forgotten-% warning, sql's JSON
 * and help, studies by name with the best plan written for train and PEFT, study delete, export and replay of the
 * latest study, Examples and option groups in the help, and shell completion.
 */
class CliHabitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String db(Path tmp) {
        return "jdbc:h2:" + tmp.resolve("studies").toAbsolutePath();
    }

    private static CliRunner search(Path tmp, String... extra) throws IOException {
        Path rows = CliRunner.rows(tmp);
        List<String> args = new ArrayList<>(List.of("search", "--model", CliRunner.fixture("llama-tiny").toString(),
                "--data", rows.toString(), "--db", db(tmp), "--device", "cpu", "--strategy", "ga", "--generations",
                "3", "--population", "10", "--no-progress"));
        args.addAll(Arrays.asList(extra));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void anUnknownOptionOrCommandIsOneLineWithPicocliSuggestion() {
        CliRunner option = CliRunner.run("search", "--budjet", "1%");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.err()).isEqualTo("heterolora: unknown option '--budjet'; did you mean --budget?\n");
        assertThat(option.out()).isEmpty();
        CliRunner command = CliRunner.run("serch");
        assertThat(command.exitCode()).isEqualTo(2);
        assertThat(command.err()).isEqualTo("heterolora: unknown command 'serch'; did you mean search?\n");
        CliRunner missing = CliRunner.run("sql");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).startsWith("heterolora: Missing required parameter").contains("heterolora sql --help")
                .hasLineCount(1);
    }

    @Test
    void aLargeFractionWithoutPercentWarnsAndTheSummarySaysWhatTheBudgetIs(@TempDir Path tmp) throws IOException {
        CliRunner r = search(tmp, "--budget", "0.2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("heterolora: warning: --budget 0.2 means 20 % of the trainable base; did you "
                + "mean 0.2%?\n");
        assertThat(r.out()).contains("budget 21,388 parameters (20 % of 106,944)\n");
        CliRunner quiet = search(tmp, "--budget", "4%");
        assertThat(quiet.err()).doesNotContain("warning");
        assertThat(quiet.out()).contains("budget 4,277 parameters (4 % of 106,944)\n");
    }

    @Test
    void sqlJsonHasLowerCaseKeysAndNumbersAndItsHelpListsEveryTable(@TempDir Path tmp) throws IOException {
        assertThat(search(tmp, "--budget", "4%", "--json").exitCode()).isZero();
        CliRunner r = CliRunner.run("sql", "--db", db(tmp), "--json",
                "SELECT STUDY_ID, AVG(FITNESS) AS MEAN_FITNESS, MAX(NULL) AS NOTHING FROM TRIAL GROUP BY STUDY_ID");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode row = JSON.readTree(r.out()).get(0);
        assertThat(row.fieldNames()).toIterable().containsExactly("study_id", "mean_fitness", "nothing");
        assertThat(row.get("study_id").isIntegralNumber()).isTrue();
        assertThat(row.get("mean_fitness").isDouble()).as(r.out()).isTrue();
        assertThat(row.get("nothing").isNull()).isTrue();

        JsonNode tables = JSON.readTree(CliRunner.run("sql", "--db", db(tmp), "--json", "SELECT LOWER(TABLE_NAME) AS t "
                + "FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'").out());
        TreeSet<String> real = new TreeSet<>();
        tables.forEach(t -> real.add(t.get("t").asText()));
        real.remove("flyway_schema_history");
        assertThat(real).isEqualTo(new TreeSet<>(List.of(SqlCommand.TABLES.split(", "))));
        String help = CliRunner.run("sql", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("Tables: " + SqlCommand.TABLES, "Examples:");
    }

    @Test
    void studiesByNameAndTheBestPlanWrittenForTrainAndPeft(@TempDir Path tmp) throws IOException {
        CliRunner made = search(tmp, "--budget", "4%", "--name", "first", "--json");
        assertThat(made.exitCode()).as(made.err()).isZero();
        long id = JSON.readTree(made.out()).get("study").asLong();
        CliRunner second = search(tmp, "--budget", "2%", "--name", "second");
        assertThat(second.out()).as(second.err()) // the next commands name the study as the user did
                .endsWith("next: heterolora study second, or heterolora train --best --study second\n");
        CliRunner unnamed = search(tmp, "--budget", "2%");
        long unnamedId = id + 2;
        assertThat(unnamed.out()).endsWith("next: heterolora study " + unnamedId + ", or heterolora train --best "
                + "--study " + unnamedId + "\n");
        CliRunner taken = search(tmp, "--budget", "2%", "--name", "first");
        assertThat(taken.exitCode()).isEqualTo(2);
        assertThat(taken.err()).startsWith("heterolora: a study named 'first' already exists").hasLineCount(1);

        CliRunner list = CliRunner.run("studies", "--db", db(tmp));
        assertThat(list.out().lines().filter(l -> l.contains("first"))).singleElement().asString()
                .contains("finished", "s ago").matches(".*\\s\\d+\\.\\d+.*");
        JsonNode listed = JSON.readTree(CliRunner.run("studies", "--db", db(tmp), "--json").out());
        assertThat(listed.get(0).get("best_fitness").isNumber()).isTrue();
        assertThat(StudiesCommand.age(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:03:10Z")))
                .isEqualTo("3 min ago");

        Path plan = tmp.resolve("out/plan.json");
        Path peft = tmp.resolve("out/adapter_config.json");
        CliRunner show = CliRunner.run("study", "first", "--db", db(tmp), "--json", "--plan-out", plan.toString(),
                "--peft-config-out", peft.toString());
        assertThat(show.exitCode()).as(show.err()).isZero();
        JsonNode s = JSON.readTree(show.out());
        assertThat(s.get("id").asLong()).isEqualTo(id);
        AdapterPlan best = AdapterPlan.fromJson(s.get("best").get("plan"));
        // what train --plan does with the file: read it and check it against the model
        ModelConfig config = ModelConfig.read(CliRunner.fixture("llama-tiny"));
        assertThat(AdapterPlan.read(plan).validateFor(config)).isEqualTo(best);
        JsonNode cfg = JSON.readTree(peft.toFile());
        assertThat(cfg.get("peft_type").asText()).isEqualTo("LORA");
        int r = cfg.get("r").asInt();
        List<String> targets = StreamSupport.stream(cfg.get("target_modules").spliterator(), false)
                .map(JsonNode::asText).toList();
        assertThat(targets).isNotEmpty();
        long projections = best.adapters().keySet().stream().filter(x -> !x.kind().isShortcut()).count();
        long atDefaultRank = best.adapters().entrySet().stream()
                .filter(e -> !e.getKey().kind().isShortcut() && e.getValue().rank() == r).count();
        assertThat(cfg.get("rank_pattern").size()).isEqualTo(projections - atDefaultRank);
        for (AdapterSite site : best.adapters().keySet()) {
            if (!site.kind().isShortcut() && best.rank(site) != r) {
                assertThat(cfg.get("rank_pattern").properties()).anySatisfy(e -> {
                    assertThat(e.getKey()).startsWith("layers." + site.layer() + ".");
                    assertThat(e.getValue().asInt()).isEqualTo(best.rank(site));
                });
            }
        }

        CliRunner text = CliRunner.run("study", "first", "--db", db(tmp));
        String proxiesColumn = text.out().lines().filter(l -> l.matches("\\s+\\d+\\s+\\d+\\s+\\d+.*")).findFirst()
                .orElseThrow();
        String proxies = proxiesColumn.replaceFirst("^[\\s\\d.,e+-]+", ""); // after trial, seq, gen, fitness, params
        assertThat(proxies).startsWith("fisher ").doesNotContain("{", "=");
        for (String score : proxies.split(", ")) { // four significant digits, not a raw double's seventeen
            assertThat(new java.math.BigDecimal(score.split(" ")[1]).stripTrailingZeros().precision()).as(score)
                    .isLessThanOrEqualTo(4);
        }
        assertThat(CliRunner.run("study", "nope", "--db", db(tmp)).err())
                .isEqualTo("heterolora: no study named 'nope' (heterolora studies lists them)\n");
        // train --best --study takes a name too: resolved in the store before any training or world build
        CliRunner train = CliRunner.run("train", "--best", "--study", "nope", "--db", db(tmp), "--home",
                tmp.resolve("home").toString(), "--steps", "1");
        assertThat(train.exitCode()).isEqualTo(2);
        assertThat(train.err()).isEqualTo("heterolora: no study named 'nope' (heterolora studies lists them)\n");
        assertThat(tmp.resolve("home/world")).doesNotExist();
        // validate checks its numbers before it opens (or creates) a database
        Path fresh = tmp.resolve("fresh");
        CliRunner badSample = CliRunner.run("validate", "--sample", "1", "--home", fresh.toString());
        assertThat(badSample.exitCode()).isEqualTo(2);
        assertThat(badSample.err()).startsWith("heterolora: --sample must be >= 2").hasLineCount(1);
        assertThat(fresh.resolve("studies.mv.db")).doesNotExist();
    }

    @Test
    void studyDeleteNeedsYes(@TempDir Path tmp) throws IOException {
        assertThat(search(tmp, "--budget", "4%", "--name", "doomed").exitCode()).isZero();
        CliRunner refused = CliRunner.run("study", "delete", "doomed", "--db", db(tmp));
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).startsWith("heterolora: not deleting study 1 'doomed' with its ").endsWith("without "
                + "--yes\n").hasLineCount(1);
        assertThat(CliRunner.run("study", "doomed", "--db", db(tmp)).exitCode()).isZero();
        CliRunner deleted = CliRunner.run("study", "delete", "1", "--yes", "--db", db(tmp));
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).isEqualTo("deleted study 1 'doomed'\n");
        assertThat(CliRunner.run("sql", "--db", db(tmp), "--json", "SELECT COUNT(*) AS n FROM trial").out())
                .isEqualTo("[{\"n\":0}]\n");
    }

    @Test
    void exportAndReplayTakeTheLatestStudy(@TempDir Path tmp) throws IOException {
        assertThat(search(tmp, "--budget", "4%").exitCode()).isZero();
        assertThat(search(tmp, "--budget", "2%").exitCode()).isZero();
        Path out = tmp.resolve("exports");
        CliRunner export = CliRunner.run("export", "--db", db(tmp), "--out", out.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(out.resolve("study-2.json")).exists();
        assertThat(out.resolve("study-2/trials.csv")).exists();
        assertThat(out.resolve("study-2/validations.csv")).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("study-2.json"))))
                .isEqualTo("rw-r--r--");
        CliRunner replay = CliRunner.run("replay", "--db", db(tmp), "--device", "cpu");
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("replay identical");
    }

    @Test
    void helpHasExamplesAndGroupsAndCompletionCoversTheSubcommands() {
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try { // picocli warns on System.err about a help text it cannot format (an unescaped %)
            for (String[] c : new String[][] {{"search"}, {"train"}, {"validate"}, {"experiment"}, {"sql"},
                {"experiment", "allocation"}, {"experiment", "rlhf"}, {"study"}, {"export"}, {"completion"}}) {
                List<String> args = new ArrayList<>(Arrays.asList(c));
                args.add("--help");
                CliRunner r = CliRunner.run(args.toArray(String[]::new));
                assertThat(r.exitCode()).as(String.join(" ", c)).isZero();
                assertThat(r.out()).as(String.join(" ", c)).contains("Examples:", "  heterolora " + c[0]);
            }
        } finally {
            System.setErr(stderr);
        }
        assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
        String search = CliRunner.run("search", "--help").out();
        assertThat(search).contains("Budget and search:", "Model and device:", "Proxy data:", "Storage:", "Output:");
        assertThat(section(search, "Budget and search:", "Model and device:")).contains("--budget=", "--name=");
        assertThat(section(search, "Model and device:", "Proxy data:")).contains("--model=", "--device=");
        assertThat(section(search, "Storage:", "Output:")).contains("--home=", "--db=");
        assertThat(section(search, "Output:", "Examples:")).contains("--json", "--no-progress");
        CliRunner completion = CliRunner.run("completion");
        assertThat(completion.exitCode()).isZero();
        assertThat(completion.out()).startsWith("#!/usr/bin/env bash").contains("complete -F", "search", "studies",
                "export", "--budget");
    }

    @Test
    void aLeaseUnderASecondIsRefusedAlikeByEveryQueueCommandBeforeTheDatabaseIsOpened(@TempDir Path tmp) {
        String home = tmp.toString();
        for (String[] c : new String[][] {{"experiment", "allocation", "--name", "g"},
            {"experiment", "rlhf", "--name", "r"}, {"validate"}, {"refine", "--study", "s"}}) {
            for (String lease : new String[] {"0", "-5"}) {
                List<String> args = new ArrayList<>(Arrays.asList(c));
                args.addAll(List.of("--lease", lease, "--home", home));
                CliRunner r = CliRunner.run(args.toArray(String[]::new));
                assertThat(r.exitCode()).as(args.toString()).isEqualTo(2);
                assertThat(r.err()).as(args.toString())
                        .isEqualTo("heterolora: --lease must be at least 1 second (got " + lease + ")\n");
            }
        }
        assertThat(tmp.resolve("studies.mv.db")).doesNotExist();
    }

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings() {
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        List<String> rendered = new ArrayList<>();
        try { // every command of the tree, so that a help text added later is covered too
            java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
            todo.add(new picocli.CommandLine(new Main()));
            while (!todo.isEmpty()) {
                picocli.CommandLine c = todo.poll();
                assertThat(c.getUsageMessage()).as(c.getCommandSpec().qualifiedName()).contains("Usage:");
                rendered.add(c.getCommandSpec().qualifiedName());
                todo.addAll(c.getSubcommands().values());
            }
        } finally {
            System.setErr(stderr);
        }
        assertThat(rendered).contains("heterolora bench search", "heterolora experiment rlhf", "heterolora server start");
        assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
    }

    private static String section(String help, String from, String to) {
        return help.substring(help.indexOf(from), help.indexOf(to));
    }
}
