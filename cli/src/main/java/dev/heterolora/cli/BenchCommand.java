package dev.heterolora.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeakMemory;
import dev.heterolora.model.RandomModel;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code heterolora bench}: measured speed and memory tables (the place for speed targets, not unit tests), and
 * what its subcommands share: the models measured, random token rows, and one JSON line per row with
 * {@code --json} (the fields of {@code peer.py}'s lines, so the two can be joined).
 */
@Command(name = "bench", description = "Benchmarks that print a table (or JSON lines with --json).",
        subcommands = {BenchModelCommand.class, BenchProxiesCommand.class, BenchSearchCommand.class,
                BenchGenerateCommand.class, BenchPpoCommand.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** One measured model: its name and a row of figures. */
    interface Measure<R> {
        R measure(String name, CausalLM model, PeakMemory memory);
    }

    /**
     * Measures the {@code --model} folder if one was given, then a random ~1M-parameter Llama ("random llama ~1M"),
     * each in its own memory phase started before the model is loaded (so the weights count, as in PyTorch's
     * peak figures).
     */
    static <R> java.util.List<R> eachModel(ModelOptions options, int maxPositions, Measure<R> measure) {
        java.util.List<R> rows = new java.util.ArrayList<>();
        ComputeSettings compute = options.compute();
        if (options.model != null) {
            PeakMemory memory = PeakMemory.start(compute.device());
            try (CausalLM lm = HfCheckpoint.load(options.model, compute)) {
                rows.add(measure.measure(options.model.getFileName().toString(), lm, memory));
            }
        }
        PeakMemory memory = PeakMemory.start(compute.device());
        try (CausalLM lm = RandomModel.create(RandomModel.smallLlama(100, Math.max(256, maxPositions)), compute, 1)) {
            rows.add(measure.measure("random llama ~1M", lm, memory));
        }
        return rows;
    }

    /** LoRA of rank {@code rank} (alpha 2·rank) on every projection of {@code lm}, seeded, B = 0. */
    static void loraEverywhere(CausalLM lm, int rank) {
        lm.applyPlan(AdapterPlan.uniform(lm.config().sites(false), rank, 2.0 * rank), 0, 0f);
    }

    /** {@code count} token ids in [low, high) from a seeded stream. */
    static long[] randomIds(int count, int low, int high, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = low + rng.nextInt(high - low);
        }
        return ids;
    }

    /** Prints one JSON object per row on its own line. */
    static <R> void printJson(PrintWriter out, java.util.List<R> rows, Function<R, Map<String, Object>> fields) {
        for (R r : rows) {
            try {
                out.println(JSON.writeValueAsString(fields.apply(r)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The fields every bench line starts with. */
    static Map<String, Object> header(String bench, String model, ComputeSettings compute) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", bench);
        m.put("model", model);
        m.put("device", compute.device().isGpu() ? "cuda" : "cpu");
        m.put("dtype", compute.dtype().toString().equals("float16") ? "fp16" : "fp32");
        return m;
    }

    /** A memory reading in MiB for JSON (null when unknown). */
    static Long mib(long bytes) {
        return bytes < 0 ? null : Math.round(bytes / 1048576.0);
    }
}
