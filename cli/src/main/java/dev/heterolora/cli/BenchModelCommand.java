package dev.heterolora.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.RandomModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heterolora bench model}: forward and forward+backward time per token of a model with LoRA r on every
 * projection (gradients to the adapters only, as in training), for the given models and a ~1M-parameter Llama.
 */
@Command(name = "model", description = "Forward and forward+backward time per token (LoRA on every projection).")
final class BenchModelCommand implements Callable<Integer> {
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

    @Spec
    CommandSpec spec;

    private record Row(String name, long params, double forwardMs, double trainMs, long tokens) {}

    @Override
    public Integer call() {
        if (batch < 1 || seq < 2 || steps < 1 || rank < 1) {
            throw new HeteroloraException("--batch, --steps and --rank must be >= 1 and --seq >= 2");
        }
        List<Row> rows = new ArrayList<>();
        if (modelOptions.model != null) {
            try (CausalLM lm = HfCheckpoint.load(modelOptions.model, modelOptions.compute())) {
                rows.add(measure(modelOptions.model.getFileName().toString(), lm));
            }
        }
        ModelConfig small = RandomModel.smallLlama(100, Math.max(seq, 256));
        try (CausalLM lm = RandomModel.create(small, modelOptions.compute(), 1)) {
            rows.add(measure("random llama ~1M", lm));
        }
        var out = spec.commandLine().getOut();
        out.printf("device %s, dtype %s, batch %d × seq %d, LoRA r=%d on every projection, %d steps%n",
                modelOptions.compute().device(), modelOptions.compute().dtype(), batch, seq, rank, steps);
        out.printf("%-20s %12s %12s %14s %16s %14s%n", "model", "parameters", "forward ms", "fwd+bwd ms",
                "fwd+bwd µs/tok", "train tok/s");
        for (Row r : rows) {
            out.printf("%-20s %,12d %12.2f %14.2f %16.2f %,14.0f%n", r.name(), r.params(), r.forwardMs(), r.trainMs(),
                    r.trainMs() * 1000 / r.tokens(), r.tokens() / (r.trainMs() / 1000));
        }
        return 0;
    }

    private Row measure(String name, CausalLM lm) {
        List<AdapterSite> sites = lm.config().sites(false);
        lm.applyPlan(AdapterPlan.uniform(sites, rank, 2.0 * rank), 0, 0f);
        SplittableRandom rng = new SplittableRandom(0);
        long[] ids = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(lm.config().vocabSize());
        }
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        int warmup = 3;
        double forward = 0;
        double train = 0;
        for (int s = 0; s < warmup + steps; s++) {
            try (NDManager scope = lm.manager().newSubManager()) {
                NDArray x = scope.create(ids, new Shape(batch, seq));
                NDArray m = scope.create(mask, new Shape(batch, seq));
                long t0 = System.nanoTime();
                LanguageModelLoss.of(lm.logits(x, m), x, m).mean().getFloat();
                long t1 = System.nanoTime();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(LanguageModelLoss.of(lm.logits(lm.hidden(x, m, null, true)), x, m).mean());
                }
                lm.adapterParameters().get(0).getArray().getGradient().getFloat(0, 0);
                long t2 = System.nanoTime();
                if (s >= warmup) {
                    forward += (t1 - t0) / 1e6;
                    train += (t2 - t1) / 1e6;
                }
            }
        }
        return new Row(name, lm.baseParameterCount(), forward / steps, train / steps, (long) batch * seq);
    }
}
