package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiment rlhf} runs each {@code train} in a child JVM: a SIGTERM sent to the experiment alone (a kill, not
 * Ctrl-C, which the whole process group gets) must reach the child, which marks its run interrupted instead of
 * training on as an orphan whose unit another worker would then redo.
 */
class RlhfInterruptTest {
    @Test
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTerminatedExperimentStopsItsChildTrain(@TempDir Path tmp) throws Exception {
        String home = tmp.resolve("home").toString();
        CliRunner world = CliRunner.run("world", "build", "--tiny", "--home", home, "--device", "cpu");
        assertThat(world.exitCode()).as(world.err()).isZero();
        try (ChildCli experiment = ChildCli.start(List.of("experiment", "rlhf", "--name", "stop", "--no-full",
                "--regularisers", "kl", "--seeds", "1", "--steps", "400", "--rollout-batch", "4", "--mini-batch", "4",
                "--eval-prompts", "4", "--device", "cpu", "--home", home))) {
            ProcessHandle child = null;
            for (int i = 0; i < 600 && child == null; i++) {
                Optional<ProcessHandle> c = ProcessHandle.of(experiment.pid()).flatMap(p -> p.children().findFirst());
                child = c.orElse(null);
                Thread.sleep(100);
            }
            assertThat(child).as("the experiment started its train: " + experiment.lines()).isNotNull();
            // the child's run row exists once it prints its first step
            for (int i = 0; i < 600 && experiment.lines().stream().noneMatch(l -> l.contains("step")); i++) {
                Thread.sleep(100);
            }
            experiment.terminate();
            assertThat(experiment.waitFor(60)).isEqualTo(130);
            assertThat(child.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
            CliRunner runs = CliRunner.run("sql", "--home", home, "--csv", "SELECT kind, status FROM run");
            assertThat(runs.out()).contains("ppo,interrupted");
            // the experiment says so in one line and gives its unit back at once (not failed, not held until its
            // lease runs out), so the same command, here or on another worker, trains it again
            assertThat(experiment.lines()).anyMatch(l -> l.matches("heterolora: interrupted; experiment rlhf 'stop': "
                    + "LoRA r8 / kl, seed \\d+ is queued again \\(resume: the same command\\)"));
            assertThat(experiment.lines()).noneMatch(l -> l.contains("failed"));
            CliRunner unit = CliRunner.run("sql", "--home", home, "--csv",
                    "SELECT status, attempts, worker FROM work_unit WHERE queue = 'rlhf:stop'");
            assertThat(unit.out()).as(unit.err()).contains("queued,1,");
        }
    }
}
