package dev.heterolora.proxies;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.model.TokenBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * The per-plan proxies ({@link ZeroCostProxy#JACOV}, {@link ZeroCostProxy#PROBE}): they install the plan's
 * adapters after one probe step B = −η·∇B (computed from the shared statistics, no extra backward) and run the
 * plan's model on one batch. One forward (and for jacov one backward) per plan, the whole batch at once.
 */
public final class PlanProbe {
    private final CausalLM model;
    private final SiteStatistics stats;
    private final List<int[]> batch;
    private final float stepSize;
    private final Map<AdapterSite, Integer> index = new HashMap<>();

    public PlanProbe(CausalLM model, SiteStatistics stats, List<int[]> batch, float stepSize) {
        this.model = model;
        this.stats = stats;
        this.batch = batch;
        this.stepSize = stepSize;
        for (int i = 0; i < stats.sites().size(); i++) {
            index.put(stats.sites().get(i), i);
        }
    }

    /** The proxy's score of {@code plan}; the model is left without adapters. */
    public double score(ZeroCostProxy proxy, AdapterPlan plan) {
        if (proxy.isAdditive()) {
            throw new IllegalArgumentException(proxy.id() + " is additive; score it from the statistics");
        }
        try (NDManager scope = model.manager().newSubManager()) {
            install(plan);
            TokenBatch b = TokenBatch.rightPadded(scope, batch, 0);
            return proxy == ZeroCostProxy.PROBE ? lossDrop(b) : jacobianCovariance(b);
        } finally {
            model.removeAdapters();
        }
    }

    private void install(AdapterPlan plan) {
        model.removeAdapters();
        for (Map.Entry<AdapterSite, SiteAdapter> e : plan.adapters().entrySet()) {
            Integer i = index.get(e.getKey());
            if (i == null) {
                throw new HeteroloraException("site " + e.getKey() + " has no statistics");
            }
            int r = e.getValue().rank();
            double s = e.getValue().scale();
            NDArray a = stats.a(i).get(new NDIndex(":{}", r));
            // ∇B = s·M_r, so one step of size η puts B = −η·s·M_r
            NDArray b = stats.meanGradient(i).get(new NDIndex(":, :{}", r)).mul((float) (-stepSize * s));
            model.putAdapter(e.getKey(), e.getValue(), a, b, 0f);
        }
    }

    private double lossDrop(TokenBatch b) {
        float after = meanLoss(b);
        float before = model.withAdaptersOff(() -> meanLoss(b));
        return before - after;
    }

    private float meanLoss(TokenBatch b) {
        return LanguageModelLoss.of(model, model.hidden(b.ids(), b.mask(), null, false), b.ids(), b.mask()).mean()
                .getFloat();
    }

    private double jacobianCovariance(TokenBatch b) {
        NDArray embeddings = model.embed(b.ids()).duplicate();
        embeddings.setRequiresGradient(true);
        NDArray lengths = b.mask().sum(new int[] {1}).sub(1).reshape(-1, 1, 1);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray hidden = model.hiddenFromEmbeddings(embeddings, b.mask(), null, false);
            NDArray last = model.logits(hidden).gather(lengths.repeat(2, model.config().vocabSize())
                    .toType(DataType.INT64, false), 1);
            gc.backward(last.sum());
        }
        // correlation between examples, on the device: centre and normalise each example's Jacobian row, then J·Jᵀ
        NDArray jac = embeddings.getGradient().reshape(batch.size(), -1);
        NDArray centred = jac.sub(jac.mean(new int[] {1}, true));
        NDArray unit = centred.div(centred.norm(new int[] {1}, true).add(1e-12f));
        int rows = batch.size();
        double[] flat = unit.matMul(unit.transpose()).toType(DataType.FLOAT64, false).toDoubleArray();
        double[][] corr = new double[rows][rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * rows, corr[r], 0, rows);
        }
        double[] eig = new EigenDecomposition(new Array2DRowRealMatrix(corr, false)).getRealEigenvalues();
        double k = 1e-5;
        double score = 0;
        for (double l : eig) {
            double v = Math.max(l, 0) + k;
            score -= Math.log(v) + 1 / v;
        }
        return score;
    }
}
