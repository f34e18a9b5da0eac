package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;

/** Bars animate only on a terminal, write plain lines into logs, and end at 100 % or say where they stopped. */
class ProgressTest {
    @Test
    void offATerminalABarWritesWholeLinesWithoutCarriageReturns() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
             ProgressBar bar = Progress.builder("sft", 4, false, out).build()) {
            bar.stepTo(4);
        }
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertThat(log).doesNotContain("\r").endsWith("\n");
        assertThat(log.lines().reduce((a, b) -> b).orElseThrow()).startsWith("sft 100%").contains("4/4");
    }

    @Test
    void onATerminalTheBarRedrawsItsLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
             ProgressBar bar = Progress.builder("sft", 4, true, out).build()) {
            bar.stepTo(4);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("\r");
    }

    @Test
    void aBarClosedBeforeItsEndSaysWhereItStopped() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ProgressBar bar = Progress.builder("ppo", 10, false, out).build();
            bar.stepTo(3);
            Progress.stopNote(bar);
            bar.close();
        }
        String last = bytes.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).contains("3/10", "stopped at 3 of 10");
    }
}
