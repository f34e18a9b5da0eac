package dev.heterolora.proxies;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.Gradients;
import dev.heterolora.model.LoraAdapter;
import dev.heterolora.model.Precision;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the additive proxies need, for every site and every rank, from ONE forward+backward of the base model
 * per minibatch.
 *
 * <p>At B = 0 every plan computes the base function, so the gradient of a rank-r LoRA B at a site is
 * {@code s·Gᵀ·(x·A_rᵀ)} with G = dL/dy and A_r the first r rows of one seeded A_max. Installing rank-R_max adapters
 * with scale 1 at every site and back-propagating once gives {@code M = Gᵀ·(x·A_maxᵀ)}; the gradient for rank r is
 * s times its first r columns. So the statistics are per-column sums of squares of M (of the batch-mean gradient and,
 * for Fisher, of each batch's gradient), and the L1 norms of A's rows; any (site, rank) is then a prefix sum.
 */
public final class SiteStatistics implements AutoCloseable {
    /** The loss scale an fp16 pass starts with (halved while the gradients overflow). */
    static final double FP16_LOSS_SCALE = 65536;

    private final List<AdapterSite> sites;
    private final int[] maxRanks;
    private final int[] outWidth;
    private final double[][] meanGradColumnSq;
    private final double[][] fisherColumnSq;
    private final double[][] aRowL1;
    private final NDManager manager;
    private final Stacked device;
    private final double baseLoss;
    private final double seconds;

    private SiteStatistics(List<AdapterSite> sites, int[] maxRanks, int[] outWidth, double[][] meanGradColumnSq,
                           double[][] fisherColumnSq, double[][] aRowL1, NDManager manager,
                           Stacked device, double baseLoss, double seconds) {
        this.sites = sites;
        this.maxRanks = maxRanks;
        this.outWidth = outWidth;
        this.meanGradColumnSq = prefixSums(meanGradColumnSq);
        this.fisherColumnSq = prefixSums(fisherColumnSq);
        this.aRowL1 = prefixSums(aRowL1);
        this.manager = manager;
        this.device = device;
        this.baseLoss = baseLoss;
        this.seconds = seconds;
    }

    /**
     * Runs the shared pass with fresh seeded adapters: rank {@code maxRanks[i]} at {@code sites[i]}, B = 0.
     * The model must come without adapters (one that carries some is refused rather than stripped of them) and is
     * left without adapters. The mean gradients M and the A matrices stay on the device (for per-plan proxies) until
     * {@link #close()}.
     */
    public static SiteStatistics compute(CausalLM model, List<AdapterSite> sites, int[] maxRanks,
                                         List<List<int[]>> batches, long seed) {
        if (sites.size() != maxRanks.length) {
            throw new IllegalArgumentException("one max rank per site");
        }
        if (!model.adapters().isEmpty()) {
            throw new HeteroloraException("proxy statistics are computed on the base model; this model carries "
                    + model.adapters().size() + " adapters (load it without --adapter)");
        }
        TreeMap<AdapterSite, SiteAdapter> all = new TreeMap<>();
        for (int i = 0; i < sites.size(); i++) {
            all.put(sites.get(i), new SiteAdapter(maxRanks[i], maxRanks[i]));
        }
        model.applyPlan(new AdapterPlan(all), seed, 0f);
        return pass(model, batches, System.nanoTime());
    }

    /**
     * Runs the shared pass over the adapters installed in {@code model}, whose B must all be zero (so the model
     * computes the base function). Gradients are divided by each adapter's scale, so the statistics are unscaled.
     * Leaves the model without adapters.
     */
    public static SiteStatistics compute(CausalLM model, List<List<int[]>> batches) {
        long start = System.nanoTime();
        try (NDManager check = model.manager().newSubManager()) {
            List<AdapterSite> sites = new ArrayList<>(model.adapters().keySet());
            NDList largest = new NDList();
            for (LoraAdapter a : model.adapters().values()) {
                NDArray abs = a.b().getArray().abs();
                abs.attach(check);
                largest.add(abs.max());
            }
            float[] max = NDArrays.stack(largest).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < max.length; i++) {
                if (max[i] != 0f) {
                    model.removeAdapters();
                    throw new HeteroloraException("proxy statistics need B = 0 at every adapter; " + sites.get(i)
                            + " is not");
                }
            }
        }
        return pass(model, batches, start);
    }

    /**
     * Sites whose B (out × R) and A (R × in) have one shape and dtype: their gradients are stacked into one
     * (n × out × R) array per minibatch, so the statistics cost a few ops per group instead of per site (on a GPU
     * the pass is bound by how many ops the host issues, not by their arithmetic).
     */
    private record Group(int[] members, int rank) {}

    private static List<Group> groups(List<LoraAdapter> adapters) {
        Map<String, List<Integer>> byShape = new LinkedHashMap<>();
        for (int i = 0; i < adapters.size(); i++) {
            NDArray b = adapters.get(i).b().getArray();
            NDArray a = adapters.get(i).a().getArray();
            byShape.computeIfAbsent(b.getShape() + " " + a.getShape() + " " + b.getDataType() + " " + a.getDataType(),
                    k -> new ArrayList<>()).add(i);
        }
        return byShape.values().stream().map(m -> new Group(m.stream().mapToInt(Integer::intValue).toArray(),
                (int) adapters.get(m.get(0)).b().getArray().getShape().get(1))).toList();
    }

    /** The pass itself over adapters known to have B = 0; {@code start} is when the caller's clock started. */
    private static SiteStatistics pass(CausalLM model, List<List<int[]>> batches, long start) {
        List<AdapterSite> sites = new ArrayList<>(model.adapters().keySet());
        int n = sites.size();
        int[] maxRanks = sites.stream().mapToInt(s -> model.adapters().get(s).shape().rank()).toArray();
        NDManager keep = model.manager().newSubManager();
        try {
            List<LoraAdapter> adapters = new ArrayList<>();
            for (AdapterSite s : sites) {
                adapters.add(model.adapters().get(s));
            }
            List<Group> groups = groups(adapters);
            // everything accumulates on the device and is read once at the end: per group, the gradients' sum and
            // the per-column sums of squares of each batch's gradient, and the loss (one host read per batch in fp16)
            NDArray[] sum = new NDArray[groups.size()];
            NDArray fisherSum = null;
            NDArray lossSum = keep.zeros(new Shape(1), DataType.FLOAT32);
            // fp16 gradients of B at B = 0 are tiny: a loss scale keeps them from flushing to zero, halved and the
            // batch redone if they overflow (the check rides on the one transfer per batch)
            double lossScale = model.compute().dtype() == DataType.FLOAT32 ? 1 : FP16_LOSS_SCALE;
            NDArray[] unscale = unscale(adapters, groups, lossScale, keep);
            for (List<int[]> batch : batches) {
                while (true) {
                    try (NDManager step = model.manager().newSubManager()) {
                        TokenBatch b = TokenBatch.rightPadded(step, batch, 0);
                        NDArray loss;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            loss = LanguageModelLoss.of(model, model.hidden(b.ids(), b.mask(), null, false),
                                    b.ids(), b.mask()).mean();
                            gc.backward(lossScale == 1 ? loss : loss.mul(Precision.scalar(loss, lossScale)));
                        }
                        NDArray[] grads = new NDArray[groups.size()];
                        NDList columns = new NDList();
                        for (int g = 0; g < groups.size(); g++) {
                            NDList members = new NDList();
                            for (int i : groups.get(g).members()) {
                                NDArray grad = adapters.get(i).b().getArray().getGradient();
                                grad.attach(step);
                                members.add(grad);
                            }
                            NDArray stacked = Precision.widen(NDArrays.stack(members));
                            grads[g] = unscale[g] == null ? stacked : stacked.mul(unscale[g]);
                            columns.add(grads[g].square().sum(new int[] {1}).reshape(-1));
                            for (int i : groups.get(g).members()) {
                                Gradients.zero(adapters.get(i).b().getArray());
                            }
                        }
                        NDArray batchColumns = NDArrays.concat(columns);
                        if (lossScale > 1) {
                            double[] check = NDArrays.concat(new NDList(batchColumns, loss.reshape(1)))
                                    .toType(DataType.FLOAT64, false).toDoubleArray();
                            if (!Arrays.stream(check).allMatch(Double::isFinite)) {
                                lossScale /= 2;
                                closeAll(unscale);
                                unscale = unscale(adapters, groups, lossScale, keep);
                                continue;
                            }
                        }
                        for (int g = 0; g < groups.size(); g++) {
                            if (sum[g] == null) {
                                sum[g] = grads[g].duplicate();
                                sum[g].attach(keep);
                            } else {
                                sum[g].addi(grads[g]);
                            }
                        }
                        if (fisherSum == null) {
                            fisherSum = batchColumns.duplicate();
                            fisherSum.attach(keep);
                        } else {
                            fisherSum.addi(batchColumns);
                        }
                        lossSum.addi(Precision.widen(loss).reshape(1));
                        break;
                    }
                }
            }
            closeAll(unscale);
            NDArray[] means = new NDArray[groups.size()];
            NDArray[] as = new NDArray[groups.size()];
            double[] all;
            try (NDManager scope = model.manager().newSubManager()) {
                NDList colSq = new NDList();
                NDList rowL1 = new NDList();
                for (int g = 0; g < groups.size(); g++) {
                    means[g] = sum[g].div(batches.size());
                    means[g].attach(keep);
                    NDList members = new NDList();
                    for (int i : groups.get(g).members()) {
                        members.add(adapters.get(i).a().getArray());
                    }
                    // a copy (the adapters go when the pass ends), widened once per group for per-plan proxies
                    as[g] = scoped(scope, NDArrays.stack(members)).toType(DataType.FLOAT32, false);
                    as[g].attach(keep);
                    colSq.add(scoped(scope, scoped(scope, means[g].square()).sum(new int[] {1}).reshape(-1)));
                    rowL1.add(scoped(scope, scoped(scope, as[g].abs()).sum(new int[] {2}).reshape(-1)));
                }
                NDArray fisherMean = scoped(scope, fisherSum.div(batches.size()));
                NDArray lossMean = scoped(scope, lossSum.div(batches.size()));
                // one transfer for all statistics
                NDArray colSqAll = scoped(scope, NDArrays.concat(colSq));
                NDArray rowL1All = scoped(scope, NDArrays.concat(rowL1));
                all = NDArrays.concat(new NDList(colSqAll, rowL1All, fisherMean, lossMean))
                        .toType(DataType.FLOAT64, false).toDoubleArray();
            }
            int cols = Arrays.stream(maxRanks).sum();
            double[][] meanSq = bySite(all, 0, groups, n);
            double[][] aL1 = bySite(all, cols, groups, n);
            double[][] fisher = bySite(all, 2 * cols, groups, n);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = (int) adapters.get(i).b().getArray().getShape().get(0);
            }
            for (NDArray s : sum) {
                s.close();
            }
            fisherSum.close();
            lossSum.close();
            model.removeAdapters();
            return new SiteStatistics(List.copyOf(sites), maxRanks.clone(), out, meanSq, fisher, aL1, keep,
                    new Stacked(groups, means, as, n), all[3 * cols], (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException e) {
            keep.close();
            model.removeAdapters();
            throw e;
        }
    }

    /** {@code array}, now owned by {@code scope}. */
    private static NDArray scoped(NDManager scope, NDArray array) {
        array.attach(scope);
        return array;
    }

    /**
     * Per group, 1/(loss scale · adapter scale) of each member as an (n × 1 × 1) fp32 array on the device (no host
     * copy per op); null for a group where every factor is 1 (fp32 with scale-1 adapters: no op at all).
     */
    private static NDArray[] unscale(List<LoraAdapter> adapters, List<Group> groups, double lossScale,
                                     NDManager manager) {
        NDArray[] out = new NDArray[groups.size()];
        for (int g = 0; g < out.length; g++) {
            int[] members = groups.get(g).members();
            float[] factors = new float[members.length];
            boolean identity = true;
            for (int j = 0; j < members.length; j++) {
                factors[j] = (float) (1 / (lossScale * adapters.get(members[j]).shape().scale()));
                identity &= factors[j] == 1f;
            }
            if (!identity) {
                out[g] = manager.create(factors, new Shape(members.length, 1, 1))
                        .toDevice(adapters.get(members[0]).b().getArray().getDevice(), false);
            }
        }
        return out;
    }

    private static void closeAll(NDArray[] arrays) {
        for (NDArray a : arrays) {
            if (a != null) {
                a.close();
            }
        }
    }

    /** Splits a group-major flat block starting at {@code from} (each member's rank-many values) into per-site rows. */
    private static double[][] bySite(double[] flat, int from, List<Group> groups, int sites) {
        double[][] out = new double[sites][];
        int at = from;
        for (Group g : groups) {
            for (int i : g.members()) {
                out[i] = Arrays.copyOfRange(flat, at, at + g.rank());
                at += g.rank();
            }
        }
        return out;
    }

    /**
     * The mean gradients M and the fp32 A matrices, held stacked per group; a site's own (view) array is made the
     * first time a per-plan proxy asks for it.
     */
    private static final class Stacked {
        private final NDArray[] means;
        private final NDArray[] as;
        private final int[] group;
        private final int[] index;
        private final NDArray[] siteMeans;
        private final NDArray[] siteAs;

        Stacked(List<Group> groups, NDArray[] means, NDArray[] as, int sites) {
            this.means = means;
            this.as = as;
            this.group = new int[sites];
            this.index = new int[sites];
            for (int g = 0; g < groups.size(); g++) {
                int[] members = groups.get(g).members();
                for (int j = 0; j < members.length; j++) {
                    group[members[j]] = g;
                    index[members[j]] = j;
                }
            }
            this.siteMeans = new NDArray[sites];
            this.siteAs = new NDArray[sites];
        }

        synchronized NDArray mean(int i) {
            if (siteMeans[i] == null) {
                siteMeans[i] = means[group[i]].get(index[i]);
            }
            return siteMeans[i];
        }

        synchronized NDArray a(int i) {
            if (siteAs[i] == null) {
                siteAs[i] = as[group[i]].get(index[i]);
            }
            return siteAs[i];
        }
    }

    /** Turns per-column values into prefix sums with a leading 0, so any rank's value is one lookup. */
    private static double[][] prefixSums(double[][] columns) {
        double[][] out = new double[columns.length][];
        for (int i = 0; i < columns.length; i++) {
            out[i] = new double[columns[i].length + 1];
            for (int j = 0; j < columns[i].length; j++) {
                out[i][j + 1] = out[i][j] + columns[i][j];
            }
        }
        return out;
    }

    public List<AdapterSite> sites() {
        return sites;
    }

    /** The largest rank covered at site {@code i}. */
    public int maxRank(int i) {
        return maxRanks[i];
    }

    /** Output width of site {@code i}'s adapted map. */
    public int outWidth(int i) {
        return outWidth[i];
    }

    /** ‖M_r‖²: squared Frobenius norm of the first r columns of the batch-mean unscaled gradient at site i. */
    public double meanGradSq(int i, int rank) {
        return prefix(meanGradColumnSq[i], rank);
    }

    /** Mean over batches of each batch's ‖M_r‖² (the empirical Fisher trace of B at B = 0, unscaled). */
    public double fisher(int i, int rank) {
        return prefix(fisherColumnSq[i], rank);
    }

    /** ‖A_r‖₁: L1 norm of the first r rows of site i's seeded A. */
    public double aL1(int i, int rank) {
        return prefix(aRowL1[i], rank);
    }

    private static double prefix(double[] cumulative, int rank) {
        if (rank >= cumulative.length) {
            throw new HeteroloraException("rank " + rank + " exceeds the statistics' maximum " + (cumulative.length - 1));
        }
        return cumulative[rank];
    }

    /** The batch-mean unscaled gradient M (out × R_max) of site i, on the device. */
    NDArray meanGradient(int i) {
        return device.mean(i);
    }

    /** The seeded A_max (R_max × in) of site i, on the device. */
    NDArray a(int i) {
        return device.a(i);
    }

    /** Mean loss of the base model over the proxy batches. */
    public double baseLoss() {
        return baseLoss;
    }

    /** Wall time of the shared pass. */
    public double seconds() {
        return seconds;
    }

    @Override
    public void close() {
        manager.close();
    }
}
