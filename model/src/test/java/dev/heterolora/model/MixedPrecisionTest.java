package dev.heterolora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.SiteAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fp16 adapters train through autograd (no cast cuts them out), their gradients agree with fp32 ones, the chunked
 * token scores agree with the whole log-softmax in value and gradient, and a forward pass leaves only its outputs
 * in the caller's scope.
 */
class MixedPrecisionTest {
    private static final ComputeSettings FP16 = new ComputeSettings(Device.cpu(), DataType.FLOAT16);
    /** What {@code TrainLoop} does in fp16 (its dynamic scale starts higher and halves on overflow). */
    private static final float LOSS_SCALE = 1024f;

    private static TokenBatch sample(NDManager m) {
        return TokenBatch.rightPadded(m, List.of(new int[] {5, 17, 33, 2, 9, 41, 7, 12, 88}, new int[] {3, 8, 13, 21}),
                0);
    }

    /** Adapters of rank 4 at every site (shortcuts included), B drawn N(0, 0.1²) so that A has gradients too. */
    private static void adapt(CausalLM model) {
        TreeMap<AdapterSite, SiteAdapter> plan = new TreeMap<>();
        for (AdapterSite s : model.config().sites(true)) {
            plan.put(s, new SiteAdapter(4, 8));
        }
        model.applyPlan(new AdapterPlan(plan), 21, 0f);
        Fixtures.randomiseB(model, 4);
    }

    /** Installs {@code from}'s adapters (values as they are, e.g. fp16-rounded) into {@code into}. */
    private static void copyAdapters(CausalLM from, CausalLM into) {
        from.adapters().forEach((site, a) -> into.putAdapter(site, a.shape(), a.a().getArray().duplicate(),
                a.b().getArray().duplicate(), 0f));
    }

    /** Every adapter parameter's gradient (fp32) after one backward pass of {@code scale} × the mean LM loss. */
    private static List<float[]> adapterGradients(CausalLM model, float scale,
                                                  Function<NDManager, NDArray> lossOf) {
        try (NDManager scope = model.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = lossOf.apply(scope);
                gc.backward(loss.mul(Precision.scalar(loss, scale)));
            }
            List<float[]> out = new ArrayList<>();
            for (Parameter p : model.adapterParameters()) {
                NDArray g = p.getArray().getGradient();
                g.attach(scope);
                float[] v = g.toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] /= scale;
                }
                out.add(v);
                g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
            }
            return out;
        }
    }

    private static NDArray fusedLoss(CausalLM model, NDManager scope) {
        TokenBatch b = sample(scope);
        return LanguageModelLoss.of(model, model.hidden(b.ids(), b.mask(), null, true), b.ids(), b.mask()).mean();
    }

    private static NDArray plainLoss(CausalLM model, NDManager scope) {
        TokenBatch b = sample(scope);
        return LanguageModelLoss.of(model.logits(model.hidden(b.ids(), b.mask(), null, true)), b.ids(), b.mask())
                .mean();
    }

    /** ‖a − b‖ / ‖b‖ over all parameters together. */
    private static double relativeError(List<float[]> a, List<float[]> b) {
        double num = 0;
        double den = 0;
        for (int p = 0; p < a.size(); p++) {
            for (int i = 0; i < a.get(p).length; i++) {
                double d = a.get(p)[i] - b.get(p)[i];
                num += d * d;
                den += (double) b.get(p)[i] * b.get(p)[i];
            }
        }
        return Math.sqrt(num / den);
    }

    /**
     * The fp16 model's adapter gradients agree with the fp32 model's (same weights, the fp16 ones rounded) within
     * 1% relative error over all adapters (measured: about 0.2–0.3%), and none of them is zero: before, every cast
     * cut the adapters out of the graph and the backward pass failed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void fp16AdapterGradientsMatchFp32(String name) {
        try (CausalLM half = HfCheckpoint.load(Fixtures.hf(name), FP16);
             CausalLM full = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu())) {
            adapt(half);
            copyAdapters(half, full);
            assertThat(half.adapterParameters()).allMatch(p -> p.getArray().getDataType() == DataType.FLOAT16);
            List<float[]> g16 = adapterGradients(half, LOSS_SCALE, s -> fusedLoss(half, s));
            List<float[]> g32 = adapterGradients(full, 1f, s -> fusedLoss(full, s));
            assertThat(g16).allMatch(g -> java.util.Arrays.stream(toDoubles(g)).anyMatch(x -> x != 0));
            assertThat(relativeError(g16, g32)).isLessThan(1e-2);
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** The chunked scores' gradients are autograd's through the whole log-softmax, and so are their values. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void chunkedTokenScoresMatchTheWholeLogSoftmax(String name) {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf(name), ComputeSettings.cpu());
             NDManager scope = model.manager().newSubManager()) {
            adapt(model);
            assertThat(relativeError(adapterGradients(model, 1f, s -> fusedLoss(model, s)),
                    adapterGradients(model, 1f, s -> plainLoss(model, s)))).isLessThan(1e-5);
            TokenBatch b = sample(scope);
            NDArray hidden = model.hidden(b.ids(), b.mask(), null, false);
            NDArray targets = b.ids();
            NDArray all = Precision.logSoftmax(model.logits(hidden), -1);
            float[] logp = all.gather(targets.expandDims(-1), -1).squeeze(-1).toFloatArray();
            float[] entropy = all.exp().mul(all).sum(new int[] {-1}).neg().toFloatArray();
            // a chunk of 3 positions: 18 positions in 6 chunks
            TokenScores chunked = TokenScores.of(model, hidden, targets, true, 3);
            assertThat(chunked.logProbs().toFloatArray()).containsExactly(logp, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(chunked.entropy().toFloatArray()).containsExactly(entropy,
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** A forward pass leaves its output and a few per-batch arrays in the caller's scope, not every layer's. */
    @Test
    void layerScopesFreeEachLayersIntermediates() {
        try (CausalLM model = HfCheckpoint.load(Fixtures.hf("llama-tiny"), ComputeSettings.cpu());
             NDManager scope = model.manager().newSubManager()) {
            adapt(model);
            TokenBatch b = sample(scope);
            int before = scope.getManagedArrays().size();
            model.hidden(b.ids(), b.mask(), null, false);
            assertThat(scope.getManagedArrays().size() - before).isLessThan(40);
        }
    }
}
