package dev.heterolora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.core.SiteKind;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The LoRAs of projections that read the same input (q/k/v, gate/up) run as one matmul for their stacked A's; for a
 * heterogeneous plan (some of a group's sites off, different ranks and scales) the model must compute what it
 * computes adapter by adapter: the same logits and the same gradients of every A and B.
 */
class StackedAdaptersTest {

    /** Layer 0: q and v of q/k/v, gate and up; layer 1: all of q/k/v, up alone; ranks and alphas all differ. */
    private static AdapterPlan heterogeneous() {
        TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
        m.put(new AdapterSite(0, SiteKind.Q), new SiteAdapter(2, 4));
        m.put(new AdapterSite(0, SiteKind.V), new SiteAdapter(4, 3));
        m.put(new AdapterSite(0, SiteKind.O), new SiteAdapter(2, 8));
        m.put(new AdapterSite(0, SiteKind.GATE), new SiteAdapter(1, 2));
        m.put(new AdapterSite(0, SiteKind.UP), new SiteAdapter(8, 16));
        m.put(new AdapterSite(1, SiteKind.Q), new SiteAdapter(4, 1));
        m.put(new AdapterSite(1, SiteKind.K), new SiteAdapter(1, 5));
        m.put(new AdapterSite(1, SiteKind.V), new SiteAdapter(2, 2));
        m.put(new AdapterSite(1, SiteKind.UP), new SiteAdapter(2, 7));
        m.put(new AdapterSite(1, SiteKind.DOWN), new SiteAdapter(4, 8));
        m.put(new AdapterSite(1, SiteKind.RESIDUAL_ATTN), new SiteAdapter(2, 4));
        return new AdapterPlan(m);
    }

    private record Pass(float[] logits, List<float[]> gradients) {}

    private static Pass run(CausalLM model, boolean stacked) {
        model.stackSharedInputs(stacked);
        try (NDManager scope = model.manager().newSubManager()) {
            TokenBatch b = TokenBatch.rightPadded(scope,
                    List.of(new int[] {5, 17, 33, 2, 9, 41, 7, 12}, new int[] {3, 8, 13, 21, 30}), 0);
            float[] logits = model.logits(b.ids(), b.mask()).toFloatArray();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(LanguageModelLoss.of(model, model.hidden(b.ids(), b.mask(), null, true), b.ids(),
                        b.mask()).mean());
            }
            List<float[]> gradients = new ArrayList<>();
            for (Parameter p : model.adapterParameters()) {
                NDArray g = p.getArray().getGradient();
                g.attach(scope);
                gradients.add(g.toFloatArray());
                g.set(new NDIndex("..."), 0f);
            }
            return new Pass(logits, gradients);
        }
    }

    @Test
    void stackedSharedInputsComputeWhatSeparateAdaptersCompute() {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf("llama-tiny"), ComputeSettings.cpu())) {
            model.applyPlan(heterogeneous(), 3, 0f);
            Fixtures.randomiseB(model, 9);
            Pass separate = run(model, false);
            Pass stacked = run(model, true);
            assertThat(Fixtures.relativeError(stacked.logits(), separate.logits())).isLessThan(1e-6);
            List<Parameter> params = model.adapterParameters();
            assertThat(stacked.gradients()).hasSize(params.size());
            for (int i = 0; i < params.size(); i++) {
                float[] want = separate.gradients().get(i);
                assertThat(want).as("gradient of %s", params.get(i).getName()).isNotEqualTo(new float[want.length]);
                assertThat(Fixtures.relativeError(stacked.gradients().get(i), want))
                        .as("gradient of %s", params.get(i).getName()).isLessThan(1e-6);
            }
        }
    }
}
