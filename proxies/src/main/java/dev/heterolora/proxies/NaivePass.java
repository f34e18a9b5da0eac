package dev.heterolora.proxies;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.LoraAdapter;
import dev.heterolora.model.TokenBatch;
import java.util.List;

/**
 * What the shared proxy pass replaces, kept as the benchmark's reference: a proxy computed the naive way, by installing
 * each candidate plan and back-propagating every minibatch through it.
 */
public final class NaivePass {
    private NaivePass() {}

    /**
     * The summed gradient norm of every adapter's B over {@code data} with {@code plan} installed (then removed):
     * one forward and backward per minibatch and plan.
     */
    public static double gradNorm(CausalLM lm, AdapterPlan plan, List<List<int[]>> data) {
        lm.applyPlan(plan, 1, 0f);
        double total = 0;
        for (List<int[]> batch : data) {
            try (NDManager scope = lm.manager().newSubManager()) {
                TokenBatch b = TokenBatch.rightPadded(scope, batch, 0);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(LanguageModelLoss.of(lm, lm.hidden(b.ids(), b.mask(), null, true), b.ids(), b.mask())
                            .mean());
                }
                NDList norms = new NDList();
                for (LoraAdapter a : lm.adapters().values()) {
                    NDArray g = a.b().getArray().getGradient();
                    g.attach(scope);
                    norms.add(g.norm());
                    g.subi(g);
                }
                total += NDArrays.stack(norms).sum().getFloat();
            }
        }
        lm.removeAdapters();
        return total;
    }
}
