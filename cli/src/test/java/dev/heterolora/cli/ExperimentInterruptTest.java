package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SIGTERM sent to an experiment alone (a kill, not Ctrl-C, which the whole process group gets) while it works on
 * a unit: it says so in one line, exits 130 and gives the unit back to the queue at once (not failed, not held until
 * its lease runs out), so the same command, here or on another worker, does it again. {@code experiment rlhf} runs
 * each {@code train} in a child JVM, which must stop too and mark its run interrupted instead of training on as an
 * orphan. Real processes on a tiny world, one per experiment.
 */
class ExperimentInterruptTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void world() {
        CliRunner world = CliRunner.run("world", "build", "--tiny", "--home", home(), "--device", "cpu");
        assertThat(world.exitCode()).as(world.err()).isZero();
    }

    private static String home() {
        return tmp.resolve("home").toString();
    }

    @Test
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTerminatedRlhfExperimentStopsItsChildTrainAndGivesItsUnitBack() throws Exception {
        try (ChildCli experiment = ChildCli.start(List.of("experiment", "rlhf", "--name", "stop", "--no-full",
                "--regularisers", "kl", "--seeds", "1", "--steps", "400", "--rollout-batch", "4", "--mini-batch", "4",
                "--eval-prompts", "4", "--device", "cpu", "--home", home()))) {
            ProcessHandle child = null;
            for (int i = 0; i < 600 && child == null; i++) {
                Optional<ProcessHandle> c = ProcessHandle.of(experiment.pid()).flatMap(p -> p.children().findFirst());
                child = c.orElse(null);
                Thread.sleep(100);
            }
            assertThat(child).as("the experiment started its train: " + experiment.lines()).isNotNull();
            // the child's run row exists once it prints its first step
            awaitLine(experiment, "step");
            experiment.terminate();
            assertThat(experiment.waitFor(60)).isEqualTo(130);
            assertThat(child.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
            CliRunner runs = CliRunner.run("sql", "--home", home(), "--csv", "SELECT kind, status FROM run");
            assertThat(runs.out()).contains("ppo,interrupted");
            assertThat(experiment.lines()).anyMatch(l -> l.matches("heterolora: interrupted; experiment rlhf 'stop': "
                    + "LoRA r8 / kl, seed \\d+ is queued again \\(resume: the same command\\)"));
            assertThat(experiment.lines()).noneMatch(l -> l.contains("failed"));
            assertUnitQueued("rlhf:stop");
        }
    }

    @Test
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aTerminatedAllocationExperimentGivesItsCellBack() throws Exception {
        try (ChildCli experiment = ChildCli.start(List.of("experiment", "allocation", "--name", "stop", "--budgets",
                "4%", "--seeds", "1", "--methods", "peft-default", "--steps", "100000", "--held-out", "8", "--json",
                "--device", "cpu", "--home", home()))) {
            awaitLine(experiment, "allocation 4% seed 0 peft-default: training");
            experiment.terminate();
            assertThat(experiment.waitFor(60)).isEqualTo(130);
            assertThat(experiment.lines()).contains("heterolora: interrupted; experiment allocation 'stop': budget 4%, "
                    + "seed 0, peft-default is queued again (resume: the same command)");
            assertUnitQueued("allocation:stop");
        }
    }

    private static void awaitLine(ChildCli process, String part) throws InterruptedException {
        for (int i = 0; i < 1200 && process.lines().stream().noneMatch(l -> l.contains(part)); i++) {
            Thread.sleep(100);
        }
        assertThat(process.lines()).as("waited for '%s'", part).anyMatch(l -> l.contains(part));
    }

    private static void assertUnitQueued(String queue) {
        CliRunner unit = CliRunner.run("sql", "--home", home(), "--csv",
                "SELECT status, attempts FROM work_unit WHERE queue = '" + queue + "'");
        assertThat(unit.out().lines()).as(unit.err()).containsExactly("STATUS,ATTEMPTS", "queued,1");
    }
}
