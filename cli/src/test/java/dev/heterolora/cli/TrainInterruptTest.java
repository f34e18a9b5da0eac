package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.heterolora.app.Interruption;
import dev.heterolora.studies.Metric;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyDatabase;
import dev.heterolora.studies.StudyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a {@code heterolora train} in a child process between PPO steps: one line, exit 130, its run marked
 * interrupted with every step's metrics it recorded, and {@code train --resume} continues from the checkpoint to a run
 * whose metrics cover every step once.
 */
class TrainInterruptTest {
    private static final Pattern LINE = Pattern.compile(
            "heterolora: interrupted; run (\\d+) marked interrupted \\(resume: heterolora train --resume (\\d+)\\)");

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sigtermMarksTheRunInterruptedKeepsItsMetricsAndTrainResumeFinishesIt(@TempDir Path tmp) throws Exception {
        Path model = ModelInputsTest.gpt2WithEosInVocabulary(tmp);
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, """
                {"prompt": "the quick", "response": " brown fox"}
                {"prompt": "a lazy", "response": " dog"}
                """);
        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"the quick\", \"chosen\": \" brown fox\", \"rejected\": \" dog\"}\n");
        // training runs in child JVMs: libtorch's grad mode is per thread, and this JVM's test threads are not the
        // one that started the engine (an optimizer step there fails: "a leaf Variable that requires grad ...")
        ChildProcess.runHeterolora(List.of("reward", "--model", model.toString(), "--pairs", pairs.toString(),
                "--full", "--steps", "1", "--out", tmp.resolve("rm").toString(), "--no-progress"));
        Path home = tmp.resolve("home");
        Path out = tmp.resolve("run");
        Path step = out.resolve("checkpoint/step.txt");
        int seen;
        List<String> lines;
        try (ChildCli train = ChildCli.start(List.of("train", "--model", model.toString(), "--reward",
                tmp.resolve("rm").toString(), "--prompts", prompts.toString(), "--uniform-rank", "2",
                "--rollout-batch", "2", "--mini-batch", "2", "--max-new-tokens", "4", "--checkpoint-every", "1",
                "--steps", "100000", "--no-progress", "--out", out.toString(), "--home", home.toString(),
                "--device", "cpu"))) {
            seen = -1;
            for (long end = System.nanoTime() + 180_000_000_000L; seen < 1 && System.nanoTime() < end; ) {
                Thread.sleep(50);
                seen = Files.exists(step) ? Integer.parseInt(Files.readString(step).trim()) : -1;
            }
            assertThat(seen).as("checkpointed step; printed: %s", train.lines()).isGreaterThanOrEqualTo(1);
            train.terminate();
            assertThat(train.waitFor(60)).as("%s", train.lines()).isEqualTo(Interruption.EXIT_CODE);
            lines = train.lines();
        }
        Matcher m = LINE.matcher(lines.get(lines.size() - 1));
        assertThat(m.matches()).as("last line of %s", lines).isTrue();
        assertThat(m.group(1)).isEqualTo(m.group(2));
        assertThat(String.join("\n", lines)).doesNotContain("Exception", "internal error", "\tat ");
        long run = Long.parseLong(m.group(1));
        int checkpoint = Integer.parseInt(Files.readString(step).trim());
        assertThat(checkpoint).isGreaterThanOrEqualTo(seen);
        try (StudyStore store = StudyDatabase.inHome(home).open()) {
            assertThat(store.run(run).orElseThrow().status()).isEqualTo(Status.INTERRUPTED);
            Set<Integer> steps = store.metrics(run).stream().map(Metric::step).collect(Collectors.toSet());
            assertThat(steps).as("every checkpointed step's metrics are kept")
                    .containsAll(IntStream.rangeClosed(0, checkpoint).boxed().toList());
        }

        // as if it had been started with --steps checkpoint + 3: the resumed run trains the last two steps
        int total = checkpoint + 3;
        CliRunner edit = CliRunner.run("sql", "--home", home.toString(), "--write", "UPDATE run SET config_json = "
                + "REPLACE(config_json, '\"steps\":100000', '\"steps\":" + total + "') WHERE id = " + run);
        assertThat(edit.exitCode()).as(edit.err()).isZero();
        ChildProcess.runHeterolora(List.of("train", "--resume", String.valueOf(run), "--home", home.toString(),
                "--device", "cpu", "--json"));
        try (StudyStore store = StudyDatabase.inHome(home).open()) {
            assertThat(store.run(run).orElseThrow().status()).isEqualTo(Status.FINISHED);
            Map<Integer, Set<String>> names = new TreeMap<>();
            for (Metric metric : store.metrics(run)) {
                assertThat(names.computeIfAbsent(metric.step(), k -> new TreeSet<>()).add(metric.name()))
                        .as("step %d %s recorded once", metric.step(), metric.name()).isTrue();
            }
            assertThat(names.keySet()).containsExactlyElementsOf(IntStream.range(0, total).boxed().toList());
            assertThat(names.values()).allSatisfy(n -> assertThat(n).isEqualTo(names.get(0)));
        }
        assertThat(out.resolve("final/adapter_model.safetensors")).exists();
    }
}
