package dev.heterolora.model;

import dev.heterolora.core.HeteroloraException;

import dev.heterolora.core.ModelFamily;

import dev.heterolora.core.ModelConfig;

import dev.heterolora.core.SiteAdapter;

import dev.heterolora.core.SiteKind;

import dev.heterolora.core.AdapterSite;

import dev.heterolora.core.AdapterPlan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A decoder-only transformer LM (GPT-2, Llama or Qwen2 family) as one DJL block, with LoRA and LoRA-adapted
 * shortcut adapters at any {@link AdapterSite}.
 *
 * <p>Written for few, large ops: q/k/v (and Llama's gate/up) are one fused matmul, grouped-query attention reshapes
 * queries instead of repeating keys, RoPE is two multiplies and one small matmul, and one additive mask serves all
 * layers. The LoRAs of projections that share an input are one matmul for their stacked A's (whatever subset of
 * them is adapted, at whatever ranks), and each B is added in the matmul that applies it. No op takes a Java number
 * (on a GPU that is a host copy that waits for the device): the scalars are made once. Every activation is created
 * from the inputs' manager, so a per-step sub-manager frees everything a step
 * made; parameters never come first in an op. Each layer runs in a scope of its own that keeps only its outputs:
 * DJL frees an array only when its manager closes, so without it every intermediate of every layer would live until
 * the step ends (autograd holds on to what the backward pass needs by itself).
 *
 * <p>Weights, activations and adapters share one dtype (fp32, or fp16 on the GPU); under fp16 the norms' statistics
 * and the log-probabilities are fp32, reached through {@link Precision}'s casts that keep the graph.
 *
 * <p>Adapters can be switched off as a group ({@link #setAdaptersEnabled}) — the PPO reference model is this
 * model with adapters off — and projection LoRAs can be merged into copies of the base weights for inference
 * ({@link #mergeAdapters}), which is how generation runs at the base model's op count.
 */
public final class CausalLM extends AbstractBlock implements AutoCloseable {

    private final ModelConfig config;
    private final ComputeSettings compute;
    private final NDManager manager;
    private final Parameter embed;
    private final Parameter positions;
    private final Parameter finalNormWeight;
    private final Parameter finalNormBias;
    private final Parameter head;
    private final LayerWeights[] layers;
    private static final SiteKind[] QKV_SITES = {SiteKind.Q, SiteKind.K, SiteKind.V};
    private static final SiteKind[] GATE_UP_SITES = {SiteKind.GATE, SiteKind.UP};

    private final RotaryTable rotary;
    private final Constants constants;
    private boolean stackSharedInputs = true;
    private final TreeMap<AdapterSite, LoraAdapter> adapters = new TreeMap<>();
    /** Per group of adapters that share an input (keyed by the layer and the group's first kind): their scales. */
    private final Map<AdapterSite, NDArray> stackedScales = new HashMap<>();
    private boolean adaptersEnabled = true;
    private Merged merged;

    /**
     * The scalars the forward pass adds and multiplies, made once on the model's device: an op with a Java number
     * makes DJL copy the number from the host, and on a GPU each such copy waits for every queued kernel (a
     * device synchronisation per op, and autograd may keep the number's freed buffer).
     */
    private record Constants(NDArray normEps, NDArray queryScale, NDArray maskedBias,
                             NDArray longZero, NDArray geluCube, NDArray geluScale) {
        static Constants of(ModelConfig config, ComputeSettings compute, NDManager manager) {
            DataType t = compute.dtype();
            Device d = compute.device();
            float c2 = (float) (2 * Math.sqrt(2 / Math.PI));
            return new Constants(manager.full(new Shape(), (float) config.normEps(), DataType.FLOAT32, d),
                    manager.full(new Shape(), (float) (1.0 / Math.sqrt(config.headDim())), t, d),
                    manager.full(new Shape(), t == DataType.FLOAT16 ? -6.0e4f : -1.0e9f, t, d),
                    manager.full(new Shape(), 0, DataType.INT64, d),
                    manager.full(new Shape(), 0.044715f * c2, t, d), manager.full(new Shape(), c2, t, d));
        }
    }

    /** The weights of one layer in our fused layout ([out, in] matrices). */
    record LayerWeights(Parameter norm1Weight, Parameter norm1Bias, Parameter qkvWeight, Parameter qkvBias,
                        Parameter outWeight, Parameter outBias, Parameter norm2Weight, Parameter norm2Bias,
                        Parameter upWeight, Parameter upBias, Parameter downWeight, Parameter downBias) {}

    CausalLM(ModelConfig config, ComputeSettings compute, NDManager manager, Map<String, NDArray> weights) {
        this.config = config;
        this.compute = compute;
        this.manager = manager;
        this.embed = param("embed", weights);
        this.positions = config.family() == ModelFamily.GPT2 ? param("positions", weights) : null;
        this.finalNormWeight = param("norm.weight", weights);
        this.finalNormBias = optionalParam("norm.bias", weights);
        this.head = config.tieWordEmbeddings() ? embed : param("head", weights);
        this.layers = new LayerWeights[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            String p = "layers." + l + ".";
            layers[l] = new LayerWeights(param(p + "norm1.weight", weights), optionalParam(p + "norm1.bias", weights),
                    param(p + "qkv.weight", weights), optionalParam(p + "qkv.bias", weights),
                    param(p + "out.weight", weights), optionalParam(p + "out.bias", weights),
                    param(p + "norm2.weight", weights), optionalParam(p + "norm2.bias", weights),
                    param(p + "up.weight", weights), optionalParam(p + "up.bias", weights),
                    param(p + "down.weight", weights), optionalParam(p + "down.bias", weights));
        }
        this.rotary = config.family() == ModelFamily.GPT2 ? null : new RotaryTable(config, manager, compute.dtype());
        this.constants = Constants.of(config, compute, manager);
        if (!weights.isEmpty()) {
            throw new HeteroloraException("internal: unused weights " + weights.keySet());
        }
    }

    private Parameter param(String name, Map<String, NDArray> weights) {
        NDArray array = weights.remove(name);
        if (array == null) {
            throw new HeteroloraException("internal: missing weight " + name);
        }
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(array);
        p.freeze(true);
        return addParameter(p);
    }

    private Parameter optionalParam(String name, Map<String, NDArray> weights) {
        return weights.containsKey(name) ? param(name, weights) : null;
    }

    public ModelConfig config() {
        return config;
    }

    public ComputeSettings compute() {
        return compute;
    }

    /** The manager that owns the weights; make per-step sub-managers from it. */
    public NDManager manager() {
        return manager;
    }

    /** The base model's parameters (embedding, layers, norms, head), adapters excluded. */
    public List<Parameter> baseParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : getDirectParameters().values()) {
            if (!isAdapterParameter(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Number of base parameters actually held (a tied head counted once). */
    public long baseParameterCount() {
        return baseParameters().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** The A and B parameters of every adapter, in site order. */
    public List<Parameter> adapterParameters() {
        List<Parameter> out = new ArrayList<>();
        for (LoraAdapter a : adapters.values()) {
            out.add(a.a());
            out.add(a.b());
        }
        return out;
    }

    private static boolean isAdapterParameter(Parameter p) {
        return p.getName().endsWith(".lora_A") || p.getName().endsWith(".lora_B");
    }

    /** The adapters, by site. */
    public SortedMap<AdapterSite, LoraAdapter> adapters() {
        return Collections.unmodifiableSortedMap(adapters);
    }

    /** The plan the current adapters realise. */
    public AdapterPlan plan() {
        TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
        adapters.forEach((s, a) -> m.put(s, a.shape()));
        return new AdapterPlan(m);
    }

    /**
     * Replaces all adapters by fresh ones for {@code plan}: A Kaiming-uniform (bound 1/√in, as PEFT) drawn from a
     * stream seeded by ({@code seed}, site), so the first r rows of A are the same for every rank r; B = 0, so the
     * model still computes the base function. Adapters are trainable, base weights frozen.
     */
    public void applyPlan(AdapterPlan plan, long seed, float dropout) {
        plan.validateFor(config);
        removeAdapters();
        for (Map.Entry<AdapterSite, SiteAdapter> e : plan.adapters().entrySet()) {
            AdapterSite site = e.getKey();
            ModelConfig.SiteShape s = config.siteShape(site.kind());
            int r = e.getValue().rank();
            float[] a = initialA(seed, site, r, s.in());
            putAdapter(site, e.getValue(), manager.create(a, new Shape(r, s.in())),
                    manager.zeros(new Shape(s.out(), r), DataType.FLOAT32), dropout);
        }
    }

    /** The first {@code rank} rows of the seeded Kaiming-uniform A of {@code site} (row-major, rank×in). */
    public static float[] initialA(long seed, AdapterSite site, int rank, int in) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L
                ^ ((long) site.layer() << 32) ^ site.kind().id().hashCode());
        double bound = 1.0 / Math.sqrt(in);
        float[] a = new float[rank * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return a;
    }

    /**
     * Installs an adapter with given A (r×in) and B (out×r) arrays (copied in the model's dtype), replacing any
     * adapter at that site. Used by the PEFT importer and by {@link #applyPlan}.
     */
    public void putAdapter(AdapterSite site, SiteAdapter shape, NDArray a, NDArray b, float dropout) {
        checkNotMerged("changing them");
        if (!config.hasSite(site)) {
            throw new HeteroloraException("site " + site + " does not exist in this model");
        }
        ModelConfig.SiteShape s = config.siteShape(site.kind());
        Shape wantA = new Shape(shape.rank(), s.in());
        Shape wantB = new Shape(s.out(), shape.rank());
        if (!a.getShape().equals(wantA) || !b.getShape().equals(wantB)) {
            throw new HeteroloraException("adapter " + site + ": A " + a.getShape() + " / B " + b.getShape()
                    + " do not fit (expected " + wantA + " / " + wantB + ")");
        }
        LoraAdapter old = adapters.remove(site);
        if (old != null) {
            dropAdapter(old);
        }
        Parameter pa = Parameter.builder().setName("adapter." + site + ".lora_A").setType(Parameter.Type.WEIGHT).build();
        Parameter pb = Parameter.builder().setName("adapter." + site + ".lora_B").setType(Parameter.Type.WEIGHT).build();
        pa.setArray(toDevice(a.toType(compute.dtype(), false)));
        pb.setArray(toDevice(b.toType(compute.dtype(), false)));
        pa.freeze(false);
        pb.freeze(false);
        addParameter(pa);
        addParameter(pb);
        adapters.put(site, new LoraAdapter(site, shape, pa, pb, dropout,
                manager.full(new Shape(shape.rank()), (float) shape.scale(), compute.dtype(), compute.device())));
        restack(site);
    }

    private NDArray toDevice(NDArray x) {
        NDArray d = x.toDevice(compute.device(), false);
        d.attach(manager);
        return d;
    }

    /** Remakes the stacked scales of the group {@code site} belongs to (made here, not in a forward pass). */
    private void restack(AdapterSite site) {
        for (SiteKind[] kinds : List.of(QKV_SITES, GATE_UP_SITES)) {
            if (List.of(kinds).contains(site.kind())) {
                AdapterSite key = new AdapterSite(site.layer(), kinds[0]);
                NDArray old = stackedScales.remove(key);
                if (old != null) {
                    old.close();
                }
                LoraAdapter[] group = group(site.layer(), kinds);
                if (Arrays.stream(group).filter(Objects::nonNull).count() >= 2) {
                    stackedScales.put(key, LoraAdapter.stackedScale(group));
                }
            }
        }
    }

    private LoraAdapter[] group(int layer, SiteKind[] kinds) {
        LoraAdapter[] group = new LoraAdapter[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            group[i] = adapters.get(new AdapterSite(layer, kinds[i]));
        }
        return group;
    }

    /** Removes every adapter (and frees its arrays). */
    public void removeAdapters() {
        checkNotMerged("removing them");
        for (LoraAdapter a : adapters.values()) {
            dropAdapter(a);
        }
        adapters.clear();
        stackedScales.values().forEach(NDArray::close);
        stackedScales.clear();
    }

    private void dropAdapter(LoraAdapter a) {
        parameters.remove(a.a().getName());
        parameters.remove(a.b().getName());
        a.close();
    }

    /** Switches all adapters on or off at once (off = the base model, e.g. PPO's reference). */
    public void setAdaptersEnabled(boolean enabled) {
        if (!enabled) {
            checkNotMerged("switching them off");
        }
        this.adaptersEnabled = enabled;
    }

    private void checkNotMerged(String doing) {
        if (merged != null) {
            throw new HeteroloraException("adapters are merged for inference; close the merge before " + doing);
        }
    }

    /**
     * Runs {@code work} on the base function (adapters switched off) and switches them on again afterwards, even if
     * it fails: how the PPO reference, the SFT baseline and probe comparisons see the model without a second copy.
     */
    public <T> T withAdaptersOff(Supplier<T> work) {
        setAdaptersEnabled(false);
        try {
            return work.get();
        } finally {
            setAdaptersEnabled(true);
        }
    }

    public boolean adaptersEnabled() {
        return adaptersEnabled;
    }

    public boolean isMerged() {
        return merged != null;
    }

    /**
     * The adapters' projection LoRAs merged into copies of their base weights, {@code W + s·B·A}, until the
     * returned handle is closed: a forward pass then costs what the base model's does, with the shortcut adapters
     * still applied on top. For inference only (the copies are not what autograd trains) and free of drift (the
     * base weights are never changed, so the reference model with adapters off stays exact). The copies take the
     * memory of the adapted weights. Without enabled projection adapters nothing is merged.
     */
    public Merged mergeAdapters() {
        checkNotMerged("merging again");
        NDManager scope = manager.newSubManager();
        Map<Parameter, NDArray> weights = new HashMap<>();
        if (adaptersEnabled) {
            for (LoraAdapter a : adapters.values()) {
                if (!a.site().kind().isShortcut()) {
                    Parameter target = projectionWeight(a.site());
                    NDArray w = weights.computeIfAbsent(target, t -> moveTo(t.getArray().duplicate(), scope));
                    // the product and its zero-padded row block are as large as the weight: freed at once, not
                    // kept with the copies (at 1.1B they were 8 GB)
                    try (NDManager temp = manager.newSubManager()) {
                        w.addi(rowBlock(moveTo(a.product(), temp), a.site().kind(), w.getShape().get(0), temp));
                    }
                }
            }
        }
        merged = new Merged(scope, weights);
        return merged;
    }

    /** Projection LoRAs merged into copies of the base weights ({@link #mergeAdapters}); close to unmerge. */
    public final class Merged implements AutoCloseable {
        private final NDManager scope;
        private final Map<Parameter, NDArray> weights;

        private Merged(NDManager scope, Map<Parameter, NDArray> weights) {
            this.scope = scope;
            this.weights = weights;
        }

        /** Whether any projection was merged. */
        public boolean isEmpty() {
            return weights.isEmpty();
        }

        /** The weight the forward pass uses for {@code p}: its merged copy, or {@code p}'s own array. */
        public NDArray weight(Parameter p) {
            return weights.getOrDefault(p, p.getArray());
        }

        @Override
        public void close() {
            if (merged == this) {
                merged = null;
                scope.close();
            }
        }
    }

    private static NDArray moveTo(NDArray x, NDManager scope) {
        x.attach(scope);
        return x;
    }

    private Parameter projectionWeight(AdapterSite site) {
        LayerWeights w = layers[site.layer()];
        return switch (site.kind()) {
            case QKV, Q, K, V -> w.qkvWeight();
            case O -> w.outWeight();
            case GATE, UP -> w.upWeight();
            case DOWN -> w.downWeight();
            default -> throw new IllegalStateException(site.toString());
        };
    }

    /** {@code delta} (out×in) placed at the rows of {@code kind} in a zero matrix of {@code rows} rows. */
    private NDArray rowBlock(NDArray delta, SiteKind kind, long rows, NDManager scope) {
        long offset = rowOffset(kind);
        long out = delta.getShape().get(0);
        if (out == rows) {
            return delta;
        }
        long in = delta.getShape().get(1);
        NDList parts = new NDList();
        if (offset > 0) {
            parts.add(scope.zeros(new Shape(offset, in), delta.getDataType()));
        }
        parts.add(delta);
        if (rows - offset - out > 0) {
            parts.add(scope.zeros(new Shape(rows - offset - out, in), delta.getDataType()));
        }
        return ai.djl.ndarray.NDArrays.concat(parts, 0);
    }

    private long rowOffset(SiteKind kind) {
        int q = config.heads() * config.headDim();
        int kv = config.kvHeads() * config.headDim();
        return switch (kind) {
            case K -> q;
            case V -> q + kv;
            case UP -> config.family() == ModelFamily.GPT2 ? 0 : config.intermediateSize();
            default -> 0;
        };
    }

    // ------------------------------------------------------------------------------------------------ forward

    /**
     * Final hidden states [batch, t, hidden] for token ids [batch, t] and a 0/1 attention mask [batch, t]
     * (padding may be on either side). With a cache, the new tokens attend to the cached ones and the cache grows.
     */
    public NDArray hidden(NDArray inputIds, NDArray attentionMask, KvCache cache, boolean training) {
        return hiddenFromEmbeddings(embed(inputIds), attentionMask, cache, training);
    }

    /** Token embeddings [batch, t, hidden] of ids [batch, t] (what {@link #hiddenFromEmbeddings} takes). */
    public NDArray embed(NDArray inputIds) {
        return Embedding.embedding(inputIds.toType(DataType.INT64, false), embed.getArray(), SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /**
     * Like {@link #hidden} but from token embeddings, so that gradients with respect to the input (Jacobian-based
     * proxies) can be taken.
     */
    public NDArray hiddenFromEmbeddings(NDArray tokenEmbeddings, NDArray attentionMask, KvCache cache,
                                        boolean training) {
        Shape shape = tokenEmbeddings.getShape();
        long batch = shape.get(0);
        long t = shape.get(1);
        NDArray newMask = attentionMask.toType(DataType.INT64, false);
        NDArray fullMask = cache == null ? newMask : cache.appendMask(newMask);
        long total = fullMask.getShape().get(1);
        if (total > config.maxPositions() && config.family() == ModelFamily.GPT2) {
            throw new HeteroloraException("sequence of " + total + " tokens exceeds the model's "
                    + config.maxPositions() + " positions");
        }
        // HF numbering: positions count from each row's first real token (right padding keeps 0..n-1 everywhere)
        NDArray firstReal = fullMask.argMax(1).reshape(batch, 1);
        NDArray positionIds = fullMask.getManager().arange(0L, total, 1L, DataType.INT64).reshape(1, total)
                .sub(firstReal).maximum(constants.longZero());
        if (total != t) {
            positionIds = positionIds.get(new NDIndex(":, {}:", total - t));
        }
        NDArray bias = attentionBias(fullMask, batch, t, total);
        NDArray h = tokenEmbeddings;
        NDArray cos = null;
        NDArray sin = null;
        if (positions != null) {
            h = h.add(Embedding.embedding(positionIds, positions.getArray(), SparseFormat.DENSE).singletonOrThrow());
        } else {
            NDList cs = rotary.cosSin(positionIds, total);
            cos = cs.get(0);
            sin = cs.get(1);
        }
        // queries are pre-scaled by 1/√headDim so the score matrix needs no extra op; with RoPE the scale rides on
        // the [batch, t, 1, headDim] tables instead of the queries
        Step step = new Step(batch, t, total, bias, cos, sin, cos == null ? null : cos.mul(constants.queryScale()),
                sin == null ? null : sin.mul(constants.queryScale()), cache, training);
        NDManager home = h.getManager();
        NDArray previousMid = null;
        for (int l = 0; l < layers.length; l++) {
            try (NDManager layerScope = home.newSubManager()) {
                // the layer's inputs are freed with its scope (the caller's embeddings only borrowed), its outputs kept
                if (h == tokenEmbeddings) {
                    h.tempAttach(layerScope);
                } else {
                    h.attach(layerScope);
                }
                if (previousMid != null) {
                    previousMid.attach(layerScope);
                }
                NDList out = layer(l, h, previousMid, step);
                out.attach(home);
                h = out.get(0);
                previousMid = out.get(1);
            }
        }
        if (previousMid != null) {
            previousMid.close();
        }
        NDArray last = h;
        NDArray out = norm(h, finalNormWeight, finalNormBias);
        if (last != tokenEmbeddings && last != out) {
            last.close();
        }
        return out;
    }

    /** The output head's weight [vocab, hidden] (the embedding when tied). */
    NDArray headWeight() {
        return head.getArray();
    }

    /** Logits [batch, t, vocab] from hidden states. */
    public NDArray logits(NDArray hidden) {
        return Linear.linear(hidden, head.getArray()).singletonOrThrow();
    }

    /** Logits for a batch, no cache, inference mode. */
    public NDArray logits(NDArray inputIds, NDArray attentionMask) {
        return logits(hidden(inputIds, attentionMask, null, false));
    }

    private record Step(long batch, long t, long total, NDArray bias, NDArray cos, NDArray sin, NDArray queryCos,
                        NDArray querySin, KvCache cache, boolean training) {}

    private NDArray attentionBias(NDArray fullMask, long batch, long t, long total) {
        NDManager m = fullMask.getManager();
        NDArray queryPos = m.arange(total - t, total).reshape(t, 1);
        NDArray keyPos = m.arange(0, total).reshape(1, total);
        NDArray blocked = keyPos.gt(queryPos).reshape(1, 1, 1, t, total)
                .logicalOr(fullMask.reshape(batch, 1, 1, 1, total).eq(constants.longZero()));
        return blocked.toType(compute.dtype(), false).mul(constants.maskedBias());
    }

    private NDArray norm(NDArray x, Parameter weight, Parameter bias) {
        if (config.family() == ModelFamily.GPT2) {
            return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), weight.getArray(), bias.getArray(),
                    (float) config.normEps()).singletonOrThrow();
        }
        // statistics in fp32 as HF computes them; fp32 code runs the same ops as ever (widen is the identity there)
        NDArray x32 = Precision.widen(x);
        NDArray inv = x32.mul(x32).mean(new int[] {-1}, true).add(constants.normEps()).sqrt();
        return Precision.narrow(x32.div(inv), x.getDataType()).mul(weight.getArray());
    }

    private NDArray adapt(int layer, SiteKind kind, NDArray x, NDArray y, boolean training) {
        if (!adaptersEnabled || (merged != null && !kind.isShortcut())) {
            return y;
        }
        LoraAdapter a = adapters.get(new AdapterSite(layer, kind));
        return a == null ? y : a.addTo(y, x, training);
    }

    /**
     * The outputs {@code ys} of projections that read the same input {@code x} (q/k/v, gate/up), each with its
     * site's adapter added: one matmul for all their A's when two or more are adapted and none drops out its
     * input, otherwise site by site. Any subset of the sites, any ranks.
     */
    private NDList adaptShared(int layer, SiteKind[] kinds, NDArray x, NDList ys, boolean training) {
        if (!adaptersEnabled || merged != null) {
            return ys;
        }
        LoraAdapter[] group = group(layer, kinds);
        boolean dropout = Arrays.stream(group).anyMatch(a -> a != null && a.dropsOut(training));
        NDArray scale = stackedScales.get(new AdapterSite(layer, kinds[0]));
        if (scale != null && !dropout && stackSharedInputs) {
            return LoraAdapter.addStacked(group, scale, x, ys);
        }
        NDList out = new NDList(ys.size());
        for (int i = 0; i < kinds.length; i++) {
            out.add(group[i] == null ? ys.get(i) : group[i].addTo(ys.get(i), x, training));
        }
        return out;
    }

    /**
     * Whether adapters that read the same input share one matmul for their A's (the default); off, every adapter
     * runs on its own, as it does whenever dropout applies. The two compute the same function (tested).
     */
    void stackSharedInputs(boolean on) {
        this.stackSharedInputs = on;
    }

    private NDArray linear(NDArray x, Parameter w, Parameter b) {
        NDArray weight = merged == null ? w.getArray() : merged.weights.getOrDefault(w, w.getArray());
        return (b == null ? Linear.linear(x, weight) : Linear.linear(x, weight, b.getArray())).singletonOrThrow();
    }

    /** One transformer layer; returns (output, post-attention residual state = the FFN's input). */
    private NDList layer(int l, NDArray h, NDArray previousMid, Step s) {
        LayerWeights w = layers[l];
        int hd = config.headDim();
        int nq = config.heads();
        int nkv = config.kvHeads();
        NDArray x = norm(h, w.norm1Weight(), w.norm1Bias());
        NDArray qkv = linear(x, w.qkvWeight(), w.qkvBias());
        NDArray q;
        NDArray k;
        NDArray v;
        if (config.family() == ModelFamily.GPT2) {
            qkv = adapt(l, SiteKind.QKV, x, qkv, s.training());
            NDList parts = qkv.split(3, 2);
            q = parts.get(0);
            k = parts.get(1);
            v = parts.get(2);
        } else {
            NDList parts = adaptShared(l, QKV_SITES, x,
                    qkv.split(new long[] {(long) nq * hd, (long) (nq + nkv) * hd}, 2), s.training());
            q = parts.get(0);
            k = parts.get(1);
            v = parts.get(2);
        }
        q = q.reshape(s.batch(), s.t(), nq, hd);
        k = k.reshape(s.batch(), s.t(), nkv, hd);
        v = v.reshape(s.batch(), s.t(), nkv, hd);
        if (rotary != null) {
            q = rotary.apply(q, s.queryCos(), s.querySin());
            k = rotary.apply(k, s.cos(), s.sin());
        } else {
            q = q.mul(constants.queryScale());
        }
        // [B, heads, t, hd]
        q = q.transpose(0, 2, 1, 3);
        k = k.transpose(0, 2, 1, 3);
        v = v.transpose(0, 2, 1, 3);
        if (s.cache() != null) {
            NDList kv = s.cache().append(l, k, v);
            k = kv.get(0);
            v = kv.get(1);
        }
        int rep = nq / nkv;
        // grouped-query attention without repeating K/V: the rep query heads of one KV head become extra rows
        NDArray scores = q.reshape(s.batch(), nkv, rep * s.t(), hd).matMul(k.transpose(0, 1, 3, 2))
                .reshape(s.batch(), nkv, rep, s.t(), s.total()).add(s.bias());
        NDArray probs = scores.softmax(-1).reshape(s.batch(), nkv, rep * s.t(), s.total());
        NDArray ctx = probs.matMul(v).reshape(s.batch(), nq, s.t(), hd).transpose(0, 2, 1, 3)
                .reshape(s.batch(), s.t(), (long) nq * hd);
        NDArray attn = adapt(l, SiteKind.O, ctx, linear(ctx, w.outWeight(), w.outBias()), s.training());
        NDArray mid = adapt(l, SiteKind.RESIDUAL_ATTN, h, h.add(attn), s.training());
        if (previousMid != null) {
            mid = adapt(l, SiteKind.CROSS_LAYER, previousMid, mid, s.training());
        }
        NDArray x2 = norm(mid, w.norm2Weight(), w.norm2Bias());
        NDArray ffn;
        if (config.family() == ModelFamily.GPT2) {
            NDArray up = adapt(l, SiteKind.UP, x2, linear(x2, w.upWeight(), w.upBias()), s.training());
            NDArray act = geluTanh(up);
            ffn = adapt(l, SiteKind.DOWN, act, linear(act, w.downWeight(), w.downBias()), s.training());
        } else {
            NDList gu = adaptShared(l, GATE_UP_SITES, x2, linear(x2, w.upWeight(), w.upBias()).split(2, 2),
                    s.training());
            NDArray gate = gu.get(0);
            NDArray up = gu.get(1);
            NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
            ffn = adapt(l, SiteKind.DOWN, act, linear(act, w.downWeight(), w.downBias()), s.training());
        }
        NDArray out = adapt(l, SiteKind.RESIDUAL_FFN, mid, mid.add(ffn), s.training());
        out = adapt(l, SiteKind.CROSS_SUBLAYER, h, out, s.training());
        return new NDList(out, mid);
    }

    /** GPT-2's gelu_new, 0.5·x·(1 + tanh(c·(x + 0.044715·x³))), written as x·sigmoid(2c·x·(1 + 0.044715·x²)). */
    private NDArray geluTanh(NDArray x) {
        NDArray z = x.mul(x).mul(constants.geluCube()).add(constants.geluScale()).mul(x);
        return x.mul(Activation.sigmoid(z));
    }

    // ------------------------------------------------------------------------------------------------ DJL block

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : ids.onesLike();
        return new NDList(logits(hidden(ids, mask, null, training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
    }

    @Override
    public void close() {
        manager.close();
    }
}
