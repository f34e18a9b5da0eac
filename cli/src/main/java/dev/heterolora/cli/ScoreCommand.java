package dev.heterolora.cli;

import dev.heterolora.app.Json;

import ai.djl.ndarray.types.DataType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.Scoring;
import dev.heterolora.model.TextTokenizer;
import dev.heterolora.model.TokenRows;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora score}: mean causal-LM loss and perplexity of a JSONL file under a model (and adapter). */
@Command(name = "score", description = "Mean causal-LM cross-entropy and perplexity of JSONL rows "
        + "(\"text\" or \"input_ids\") under a model, optionally with a PEFT adapter.")
final class ScoreCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "adapter folder in PEFT layout")
    Path adapter;

    @Option(names = "--data", paramLabel = "FILE.jsonl", required = true, description = "rows to score")
    Path data;

    @Option(names = "--batch-size", defaultValue = "16", description = "rows per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (batchSize < 1) {
            throw new HeteroloraException("--batch-size must be >= 1, got " + batchSize);
        }
        List<Scoring.RowLoss> rows;
        boolean fp16 = model.compute().dtype() == DataType.FLOAT16;
        try (CausalLM lm = model.load(adapter)) {
            List<int[]> ids = TokenRows.read(data, () -> TextTokenizer.load(model.modelDir()), lm.config().vocabSize());
            rows = Scoring.perRow(lm, ids, batchSize);
        }
        long tokens = rows.stream().mapToLong(Scoring.RowLoss::tokens).sum();
        double total = rows.stream().mapToDouble(r -> r.meanLoss() * r.tokens()).sum();
        double mean = total / tokens;
        if (!Double.isFinite(mean)) {
            throw new HeteroloraException("the mean loss under this model is " + mean + " (its activations "
                    + "overflow" + (fp16 ? " in fp16; try --dtype fp32)" : ")"));
        }
        var out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.object();
            o.put("rows", rows.size());
            o.put("tokens", tokens);
            o.put("mean_loss", mean);
            o.put("perplexity", Math.exp(mean));
            ArrayNode per = o.putArray("per_row");
            rows.forEach(r -> per.addObject().put("mean_loss", r.meanLoss()).put("tokens", r.tokens()));
            out.println(o);
        } else {
            out.printf("rows %d, tokens %d, mean loss %.6f, perplexity %.4f%n", rows.size(), tokens, mean, Math.exp(mean));
        }
        return 0;
    }
}
