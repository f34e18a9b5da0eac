package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.Generator;
import dev.heterolora.model.PeakMemory;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora bench generate}: greedy decoding speed with the KV cache, without adapters and with LoRA r on
 * every projection (merged for the call, as generation runs them), and the device's peak memory. The same work as
 * {@code peer.py gen}: random prompts of ids 4..98, exactly N new tokens, one warm-up call of N, then the median of 3
 * calls with 1 and with N new tokens; decode tok/s = B·(N−1)/(t_N − t_1) leaves the prompt's prefill out.
 */
@Command(name = "generate", description = "Greedy decoding tokens per second (KV cache), without and with LoRA "
        + "adapters, and peak memory.")
final class BenchGenerateCommand implements Callable<Integer> {
    private static final int REPEATS = 3;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--batch", defaultValue = "64", description = "prompts per call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--prompt-len", defaultValue = "128", description = "tokens per prompt (default: ${DEFAULT-VALUE})")
    int promptLength;

    @Option(names = "--new", defaultValue = "128", description = "new tokens per row (default: ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank on every projection (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--json", description = "one JSON line per model and adapter setting instead of the table")
    boolean json;

    @Spec
    CommandSpec spec;

    private record Row(String name, boolean lora, double firstSeconds, double allSeconds, long peakBytes) {}

    @Override
    public Integer call() {
        if (batch < 1 || promptLength < 1 || newTokens < 2 || rank < 1) {
            throw new HeteroloraException("--batch, --prompt-len and --rank must be >= 1 and --new >= 2");
        }
        List<List<Row>> perModel = BenchCommand.eachModel(modelOptions, promptLength + newTokens,
                (name, lm, memory) -> List.of(measure(name, lm, memory, false), measure(name, lm, memory, true)));
        List<Row> rows = perModel.stream().flatMap(List::stream).toList();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            BenchCommand.printJson(out, rows, this::fields);
            return 0;
        }
        out.printf("device %s, dtype %s, batch %d, prompt %d, %d new tokens (greedy, KV cache)%n",
                modelOptions.compute().device(), modelOptions.compute().dtype(), batch, promptLength, newTokens);
        out.printf("%-20s %10s %12s %12s %16s %12s%n", "model", "adapters", "1 token s", "all s", "decode tok/s",
                "peak MiB");
        for (Row r : rows) {
            out.printf("%-20s %10s %12.3f %12.3f %,16.0f %12s%n", r.name(), r.lora() ? "LoRA r=" + rank : "none",
                    r.firstSeconds(), r.allSeconds(), decodeRate(r), PeakMemory.mib(r.peakBytes()));
        }
        out.println("peak: " + PeakMemory.what(modelOptions.compute().device())
                + ", from before the model loads (the LoRA row's includes the bare row's)");
        return 0;
    }

    private double decodeRate(Row r) {
        return (double) batch * (newTokens - 1) / (r.allSeconds() - r.firstSeconds());
    }

    private Map<String, Object> fields(Row r) {
        Map<String, Object> m = BenchCommand.header("generate", r.name(), modelOptions.compute());
        m.put("lora", r.lora());
        m.put("lora_rank", r.lora() ? rank : null);
        m.put("batch", batch);
        m.put("prompt", promptLength);
        m.put("new", newTokens);
        m.put("t1_s", r.firstSeconds());
        m.put("tN_s", r.allSeconds());
        m.put("tok_s_incl_prefill", Math.round(batch * (double) newTokens / r.allSeconds()));
        m.put("decode_tok_s", r.allSeconds() > r.firstSeconds() ? Math.round(decodeRate(r)) : null);
        m.put("peak_mib", BenchCommand.mib(r.peakBytes()));
        return m;
    }

    private Row measure(String name, CausalLM lm, PeakMemory memory, boolean lora) {
        if (lora) {
            BenchCommand.loraEverywhere(lm, rank);
        } else {
            lm.removeAdapters();
        }
        long[] ids = BenchCommand.randomIds(batch * promptLength, 4, 99, 0);
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            prompts.add(Arrays.stream(ids, b * promptLength, (b + 1) * promptLength).mapToInt(i -> (int) i).toArray());
        }
        time(lm, prompts, newTokens, memory);
        double first = median(lm, prompts, 1, memory);
        double all = median(lm, prompts, newTokens, memory);
        return new Row(name, lora, first, all, memory.peakBytes());
    }

    private double median(CausalLM lm, List<int[]> prompts, int tokens, PeakMemory memory) {
        double[] t = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            t[i] = time(lm, prompts, tokens, memory);
        }
        Arrays.sort(t);
        return t[REPEATS / 2];
    }

    private static double time(CausalLM lm, List<int[]> prompts, int tokens, PeakMemory memory) {
        long start = System.nanoTime();
        List<int[]> out = Generator.generate(lm, prompts, Generator.Settings.greedy(tokens, -1));
        double seconds = (System.nanoTime() - start) / 1e9;
        memory.sample();
        if (out.get(0).length != tokens) {
            throw new IllegalStateException("generated " + out.get(0).length + " tokens, expected " + tokens);
        }
        return seconds;
    }
}
