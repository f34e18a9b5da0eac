package dev.heterolora.proxies;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.LanguageModelLoss;
import dev.heterolora.model.LoraAdapter;
import dev.heterolora.model.Precision;
import dev.heterolora.core.SiteAdapter;
import dev.heterolora.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    private static final NDIndex ALL = new NDIndex("...");

    private final List<AdapterSite> sites;
    private final int[] maxRanks;
    private final int[] outWidth;
    private final double[][] meanGradColumnSq;
    private final double[][] fisherColumnSq;
    private final double[][] aRowL1;
    private final NDManager manager;
    private final List<NDArray> meanGradients;
    private final List<NDArray> aMatrices;
    private final double baseLoss;
    private final double seconds;

    private SiteStatistics(List<AdapterSite> sites, int[] maxRanks, int[] outWidth, double[][] meanGradColumnSq,
                           double[][] fisherColumnSq, double[][] aRowL1, NDManager manager,
                           List<NDArray> meanGradients, List<NDArray> aMatrices, double baseLoss, double seconds) {
        this.sites = sites;
        this.maxRanks = maxRanks;
        this.outWidth = outWidth;
        this.meanGradColumnSq = prefixSums(meanGradColumnSq);
        this.fisherColumnSq = prefixSums(fisherColumnSq);
        this.aRowL1 = prefixSums(aRowL1);
        this.manager = manager;
        this.meanGradients = meanGradients;
        this.aMatrices = aMatrices;
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
        return compute(model, batches);
    }

    /**
     * Runs the shared pass over the adapters installed in {@code model}, whose B must all be zero (so the model
     * computes the base function). Gradients are divided by each adapter's scale, so the statistics are unscaled.
     * Leaves the model without adapters.
     */
    public static SiteStatistics compute(CausalLM model, List<List<int[]>> batches) {
        long start = System.nanoTime();
        List<AdapterSite> sites = new ArrayList<>(model.adapters().keySet());
        int[] maxRanks = sites.stream().mapToInt(s -> model.adapters().get(s).shape().rank()).toArray();
        try (NDManager check = model.manager().newSubManager()) {
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
        NDManager keep = model.manager().newSubManager();
        try {
            List<LoraAdapter> adapters = new ArrayList<>();
            for (AdapterSite s : sites) {
                adapters.add(model.adapters().get(s));
            }
            int n = sites.size();
            double[][] fisher = new double[n][];
            for (int i = 0; i < n; i++) {
                fisher[i] = new double[maxRanks[i]];
            }
            // everything accumulates on the device and is read once at the end: per batch, the gradients' sum, the
            // per-column sums of squares of each batch's gradient, and the loss (one host read per batch in fp16)
            NDArray zero = keep.zeros(new Shape(), model.compute().dtype());
            NDArray[] sum = new NDArray[n];
            NDArray fisherSum = null;
            NDArray lossSum = keep.zeros(new Shape(1), DataType.FLOAT32);
            // fp16 gradients of B at B = 0 are tiny: a loss scale keeps them from flushing to zero, halved and the
            // batch redone if they overflow (the check rides on the one transfer per batch)
            double lossScale = model.compute().dtype() == DataType.FLOAT32 ? 1 : FP16_LOSS_SCALE;
            NDArray[] unscale = unscale(adapters, lossScale, keep);
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
                        NDList grads = new NDList();
                        NDList columns = new NDList();
                        for (int i = 0; i < n; i++) {
                            NDArray g = adapters.get(i).b().getArray().getGradient();
                            g.attach(step);
                            NDArray unscaled = Precision.widen(g).mul(unscale[i]);
                            grads.add(unscaled);
                            columns.add(unscaled.square().sum(new int[] {0}));
                            g.set(ALL, zero);
                        }
                        NDArray batchColumns = NDArrays.concat(columns);
                        if (lossScale > 1) {
                            double[] check = NDArrays.concat(new NDList(batchColumns, loss.reshape(1)))
                                    .toType(DataType.FLOAT64, false).toDoubleArray();
                            if (!Arrays.stream(check).allMatch(Double::isFinite)) {
                                lossScale /= 2;
                                closeAll(unscale);
                                unscale = unscale(adapters, lossScale, keep);
                                continue;
                            }
                        }
                        for (int i = 0; i < n; i++) {
                            if (sum[i] == null) {
                                sum[i] = grads.get(i).duplicate();
                                sum[i].attach(keep);
                            } else {
                                sum[i].addi(grads.get(i));
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
            double[][] meanSq = new double[n][];
            double[][] aL1 = new double[n][];
            List<NDArray> means = new ArrayList<>();
            List<NDArray> as = new ArrayList<>();
            int[] out = new int[n];
            double[] loss;
            try (NDManager scope = model.manager().newSubManager()) {
                NDList colSq = new NDList();
                NDList rowL1 = new NDList();
                for (int i = 0; i < n; i++) {
                    meanSq[i] = new double[maxRanks[i]];
                    aL1[i] = new double[maxRanks[i]];
                    NDArray mean = sum[i].div(batches.size());
                    mean.attach(keep);
                    means.add(mean);
                    NDArray a = adapters.get(i).a().getArray().toType(DataType.FLOAT32, true);
                    a.attach(keep);
                    as.add(a);
                    NDArray square = mean.square();
                    NDArray abs = a.abs();
                    square.attach(scope);
                    abs.attach(scope);
                    colSq.add(square.sum(new int[] {0}));
                    rowL1.add(abs.sum(new int[] {1}));
                    out[i] = (int) mean.getShape().get(0);
                }
                NDArray fisherMean = fisherSum.div(batches.size());
                NDArray lossMean = lossSum.div(batches.size());
                fisherMean.attach(scope);
                lossMean.attach(scope);
                // one transfer for all statistics
                NDArray colSqAll = NDArrays.concat(colSq);
                NDArray rowL1All = NDArrays.concat(rowL1);
                colSqAll.attach(scope);
                rowL1All.attach(scope);
                double[] all = NDArrays.concat(new NDList(colSqAll, rowL1All, fisherMean, lossMean))
                        .toType(DataType.FLOAT64, false).toDoubleArray();
                int cols = Arrays.stream(maxRanks).sum();
                addColumns(meanSq, Arrays.copyOfRange(all, 0, cols), maxRanks, 1.0);
                addColumns(aL1, Arrays.copyOfRange(all, cols, 2 * cols), maxRanks, 1.0);
                addColumns(fisher, Arrays.copyOfRange(all, 2 * cols, 3 * cols), maxRanks, 1.0);
                loss = Arrays.copyOfRange(all, 3 * cols, all.length);
            }
            for (NDArray s : sum) {
                s.close();
            }
            fisherSum.close();
            lossSum.close();
            zero.close();
            model.removeAdapters();
            return new SiteStatistics(List.copyOf(sites), maxRanks.clone(), out, meanSq, fisher, aL1, keep, means, as,
                    loss[0], (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException e) {
            keep.close();
            model.removeAdapters();
            throw e;
        }
    }

    /** Per adapter, 1/(loss scale · adapter scale) as a 0-d fp32 array on the device (no host copy per op). */
    private static NDArray[] unscale(List<LoraAdapter> adapters, double lossScale, NDManager manager) {
        NDArray[] out = new NDArray[adapters.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = manager.full(new Shape(), (float) (1 / (lossScale * adapters.get(i).shape().scale())),
                    DataType.FLOAT32, adapters.get(i).b().getArray().getDevice());
        }
        return out;
    }

    private static void closeAll(NDArray[] arrays) {
        for (NDArray a : arrays) {
            a.close();
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

    private static void addColumns(double[][] into, double[] flat, int[] widths, double weight) {
        int at = 0;
        for (int i = 0; i < into.length; i++) {
            for (int j = 0; j < widths[i]; j++) {
                into[i][j] += weight * flat[at++];
            }
        }
        if (at != flat.length) {
            throw new IllegalStateException("statistics size mismatch");
        }
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
        return meanGradients.get(i);
    }

    /** The seeded A_max (R_max × in) of site i, on the device. */
    NDArray a(int i) {
        return aMatrices.get(i);
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
