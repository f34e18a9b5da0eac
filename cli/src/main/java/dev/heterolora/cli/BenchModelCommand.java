package dev.heterolora.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.PeakMemory;
import java.io.PrintWriter;
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
 * {@code heterolora bench model}: forward and forward+backward time per token of a model with LoRA r on every
 * projection (gradients to the adapters only, as in training; the loss as training computes it) and the device's
 * peak memory, for the given model and a ~1M-parameter Llama. The same work as {@code peer.py bench}.
 */
@Command(name = "model", description = "Forward and forward+backward time per token (LoRA on every projection) and "
        + "peak memory.")
final class BenchModelCommand implements Callable<Integer> {
    private static final int WARMUP = 3;
    private static final NDIndex ALL = new NDIndex("...");

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--batch", defaultValue = "8", description = "rows per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seq", defaultValue = "64", description = "tokens per row (default: ${DEFAULT-VALUE})")
    int seq;

    @Option(names = "--steps", defaultValue = "20", description = "timed steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank on every projection (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--json", description = "one JSON line per model instead of the table")
    boolean json;

    @Spec
    CommandSpec spec;

    private record Row(String name, long params, double forwardMs, double trainMs, long tokens, long peakBytes,
                       long baseBytes) {}

    @Override
    public Integer call() {
        if (batch < 1 || seq < 2 || steps < 1 || rank < 1) {
            throw new HeteroloraException("--batch, --steps and --rank must be >= 1 and --seq >= 2");
        }
        List<Row> rows = BenchCommand.eachModel(modelOptions, seq, this::measure);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            BenchCommand.printJson(out, rows, this::fields);
            return 0;
        }
        out.printf("device %s, dtype %s, batch %d × seq %d, LoRA r=%d on every projection, %d steps%n",
                modelOptions.compute().device(), modelOptions.compute().dtype(), batch, seq, rank, steps);
        out.printf("%-20s %12s %12s %14s %16s %14s %12s%n", "model", "parameters", "forward ms", "fwd+bwd ms",
                "fwd+bwd µs/tok", "train tok/s", "peak MiB");
        for (Row r : rows) {
            out.printf("%-20s %,12d %12.2f %14.2f %16.2f %,14.0f %12s%n", r.name(), r.params(), r.forwardMs(),
                    r.trainMs(), r.trainMs() * 1000 / r.tokens(), r.tokens() / (r.trainMs() / 1000),
                    PeakMemory.mib(r.peakBytes()));
        }
        out.println("peak: " + PeakMemory.what(modelOptions.compute().device()) + ", from before the model loads");
        return 0;
    }

    private Map<String, Object> fields(Row r) {
        Map<String, Object> m = BenchCommand.header("model", r.name(), modelOptions.compute());
        m.put("lora_rank", rank);
        m.put("params", r.params());
        m.put("batch", batch);
        m.put("seq", seq);
        m.put("steps", steps);
        m.put("fwd_ms", r.forwardMs());
        m.put("fwdbwd_ms", r.trainMs());
        m.put("fwdbwd_us_per_tok", r.trainMs() * 1000 / r.tokens());
        m.put("train_tok_s", Math.round(r.tokens() / (r.trainMs() / 1000)));
        m.put("peak_mib", BenchCommand.mib(r.peakBytes()));
        m.put("base_mib", BenchCommand.mib(r.baseBytes()));
        return m;
    }

    private Row measure(String name, CausalLM lm, PeakMemory memory) {
        BenchCommand.loraEverywhere(lm, rank);
        long[] ids = BenchCommand.randomIds(batch * seq, 0, lm.config().vocabSize(), 0);
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        double forward = 0;
        double train = 0;
        for (int s = 0; s < WARMUP + steps; s++) {
            try (NDManager scope = lm.manager().newSubManager()) {
                NDArray x = scope.create(ids, new Shape(batch, seq));
                NDArray m = scope.create(mask, new Shape(batch, seq));
                long t0 = System.nanoTime();
                LanguageModelLoss.of(lm, lm.hidden(x, m, null, false), x, m).mean().getFloat();
                long t1 = System.nanoTime();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(LanguageModelLoss.of(lm, lm.hidden(x, m, null, true), x, m).mean());
                }
                NDArray probe = lm.adapterParameters().get(1).getArray().getGradient();
                probe.attach(scope);
                probe.getFloat(0, 0);
                long t2 = System.nanoTime();
                memory.sample();
                for (Parameter p : lm.adapterParameters()) {
                    NDArray g = p.getArray().getGradient();
                    g.attach(scope);
                    g.set(ALL, 0f);
                }
                if (s >= WARMUP) {
                    forward += (t1 - t0) / 1e6;
                    train += (t2 - t1) / 1e6;
                }
            }
        }
        return new Row(name, lm.baseParameterCount(), forward / steps, train / steps, (long) batch * seq,
                memory.peakBytes(), memory.baselineBytes());
    }
}
