package dev.heterolora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.app.Interruption;
import dev.heterolora.studies.Status;
import dev.heterolora.studies.StudyStore;
import dev.heterolora.studies.Unit;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a lone {@code heterolora validate} in a child process while it trains a plan: one line, exit 130, its
 * run marked interrupted with the plans it trained, the plan in hand back in the queue at once (no lease to wait for),
 * and {@code validate --resume} trains only the rest.
 */
class ValidateInterruptTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sigtermMarksTheRunInterruptedGivesThePlanBackAndResumeFinishesIt(@TempDir Path tmp) throws Exception {
        // through the server, to watch the child's units
        try (SharedStore shared = SharedStore.h2Server(tmp.resolve("home")); StudyStore store = shared.open()) {
            List<String> where = shared.where();
            long study = ValidateWorkersTest.search(tmp, where);
            String queue = "study:" + study + ":validate:sample=4,steps=60,lr=0.001,batch=4,held-out=8,trials="
                    + store.trialCount(study);
            List<String> lines;
            int trainedBefore;
            try (ChildCli validate = ChildCli.start(ValidateWorkersTest.with(where, "validate", "--study",
                    String.valueOf(study), "--sample", "4", "--steps", "60", "--held-out", "8", "--batch-size", "4",
                    "--json", "--device", "cpu"))) {
                trainedBefore = 0;
                for (long end = System.nanoTime() + 180_000_000_000L; System.nanoTime() < end; Thread.sleep(20)) {
                    List<Unit> units = store.workQueue().units(queue);
                    trainedBefore = count(units, Status.FINISHED);
                    if (trainedBefore >= 1 && count(units, Status.RUNNING) == 1) {
                        break;
                    }
                }
                assertThat(trainedBefore).as("plans trained; printed: %s", validate.lines()).isPositive();
                validate.terminate();
                assertThat(validate.waitFor(60)).as("%s", validate.lines()).isEqualTo(Interruption.EXIT_CODE);
                lines = validate.lines();
            }
            long run = store.runs(study).stream().filter(r -> r.kind().equals("validate")).findFirst().orElseThrow()
                    .id();
            assertThat(lines.get(lines.size() - 1)).isEqualTo("heterolora: interrupted; run " + run
                    + " marked interrupted (resume: heterolora validate --resume " + run + ")");
            assertThat(String.join("\n", lines)).doesNotContain("Exception", "internal error", "\tat ");
            assertThat(store.run(run).orElseThrow().status()).isEqualTo(Status.INTERRUPTED);
            List<Unit> units = store.workQueue().units(queue);
            int kept = store.validations(run).size();
            assertThat(kept).as("the plans trained before are kept").isEqualTo(count(units, Status.FINISHED))
                    .isGreaterThanOrEqualTo(trainedBefore);
            assertThat(units).noneMatch(u -> u.status() == Status.RUNNING).anySatisfy(u -> {
                assertThat(u.status()).isEqualTo(Status.QUEUED);
                assertThat(u.message()).startsWith("released by worker ");
            });

            // in a child JVM: libtorch's grad mode is per thread, and this test thread did not start the engine
            JsonNode o = JSON.readTree(ChildProcess.runHeterolora(List.of("validate", "--resume", String.valueOf(run),
                    "--home", shared.home().toString(), "--json", "--device", "cpu")));
            assertThat(o.get("run").asLong()).isEqualTo(run);
            assertThat(o.get("trained_here").asInt()).as("only the plans not trained before")
                    .isEqualTo(units.size() - kept);
            assertThat(o.get("plans")).hasSize(units.size());
            assertThat(store.run(run).orElseThrow().status()).isEqualTo(Status.FINISHED);
            assertThat(store.correlations(run)).isNotEmpty();
        }
    }

    private static int count(List<Unit> units, Status status) {
        return (int) units.stream().filter(u -> u.status() == status).count();
    }
}
