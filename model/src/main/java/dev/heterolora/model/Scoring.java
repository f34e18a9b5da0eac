package dev.heterolora.model;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/** Per-row causal-LM loss of token rows under a model, batched, inference mode. */
public final class Scoring {
    private Scoring() {}

    /** One row's mean next-token loss and the number of tokens it predicted. */
    public record RowLoss(double meanLoss, int tokens) {}

    /** Scores every row, {@code batchSize} rows per forward pass, in the given order. */
    public static List<RowLoss> perRow(CausalLM model, List<int[]> rows, int batchSize) {
        List<RowLoss> out = new ArrayList<>(rows.size());
        for (int start = 0; start < rows.size(); start += batchSize) {
            List<int[]> chunk = rows.subList(start, Math.min(rows.size(), start + batchSize));
            try (NDManager scope = model.manager().newSubManager()) {
                TokenBatch b = TokenBatch.rightPadded(scope, chunk, 0);
                LanguageModelLoss.TokenLosses losses = LanguageModelLoss.of(model,
                        model.hidden(b.ids(), b.mask(), null, false), b.ids(), b.mask());
                float[] mean = losses.perRowMean().toFloatArray();
                float[] count = losses.perRowCount().toFloatArray();
                for (int i = 0; i < mean.length; i++) {
                    out.add(new RowLoss(mean[i], Math.round(count[i])));
                }
            }
        }
        return out;
    }
}
