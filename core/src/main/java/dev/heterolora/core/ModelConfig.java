package dev.heterolora.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a causal LM, read from (and written to) HF's {@code config.json}.
 *
 * <p>It is the one place that knows the shape of every weight and adapter site, so parameter counts and budgets
 * are exact without loading any tensor.
 *
 * @param ropeScaling null for plain RoPE; otherwise Llama-3 style scaling parameters
 */
public record ModelConfig(
        ModelFamily family,
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int maxPositions,
        double normEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        int bosTokenId,
        int eosTokenId) {

    /** Llama-3 RoPE frequency scaling ({@code rope_type: llama3}). */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    public ModelConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0
                || intermediateSize <= 0 || maxPositions <= 0) {
            throw new HeteroloraException("config.json has a non-positive size (vocab, hidden, layers, heads, "
                    + "kv heads, head dim, intermediate or positions)");
        }
        if (heads % kvHeads != 0) {
            throw new HeteroloraException("config.json: num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (family == ModelFamily.GPT2 && heads * headDim != hiddenSize) {
            throw new HeteroloraException("config.json: n_embd " + hiddenSize + " is not divisible by n_head " + heads);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code config.json} in a HF model directory. */
    public static ModelConfig read(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new HeteroloraException("no config.json in " + modelDir);
        }
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new HeteroloraException("cannot parse " + file + ": " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw new HeteroloraException(file + " is not a JSON object");
        }
        return fromJson(node, file.toString());
    }

    /** Parses a config.json tree; {@code source} names it in error messages. */
    public static ModelConfig fromJson(JsonNode c, String source) {
        String type = c.path("model_type").asText("");
        if (type.isEmpty()) {
            throw new HeteroloraException(source + " has no model_type");
        }
        ModelFamily family = ModelFamily.fromModelType(type);
        if (family == ModelFamily.GPT2) {
            int d = required(c, "n_embd", source);
            int heads = required(c, "n_head", source);
            String act = c.path("activation_function").asText("gelu_new");
            if (!act.equals("gelu_new")) {
                throw new HeteroloraException(source + ": activation_function '" + act + "' is not supported (gelu_new)");
            }
            int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * d;
            return new ModelConfig(family, required(c, "vocab_size", source), d, required(c, "n_layer", source), heads,
                    heads, d / heads, inner, required(c, "n_positions", source),
                    c.path("layer_norm_epsilon").asDouble(1e-5), 0, null,
                    c.path("tie_word_embeddings").asBoolean(true), true, true,
                    c.path("bos_token_id").asInt(50256), c.path("eos_token_id").asInt(50256));
        }
        int d = required(c, "hidden_size", source);
        int heads = required(c, "num_attention_heads", source);
        int kv = c.hasNonNull("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads;
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : d / heads;
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new HeteroloraException(source + ": hidden_act '" + act + "' is not supported (silu)");
        }
        JsonNode rope = c.hasNonNull("rope_parameters") ? c.get("rope_parameters") : c.path("rope_scaling");
        double theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble()
                : rope.path("rope_theta").asDouble(family == ModelFamily.QWEN2 ? 1_000_000.0 : 10_000.0);
        RopeScaling scaling = null;
        String ropeType = rope.path("rope_type").asText(rope.path("type").asText("default"));
        if (ropeType.equals("llama3")) {
            scaling = new RopeScaling(rope.path("factor").asDouble(8), rope.path("low_freq_factor").asDouble(1),
                    rope.path("high_freq_factor").asDouble(4),
                    rope.path("original_max_position_embeddings").asInt(8192));
        } else if (!ropeType.equals("default")) {
            throw new HeteroloraException(source + ": rope type '" + ropeType + "' is not supported (default, llama3)");
        }
        boolean qkvBias = family == ModelFamily.QWEN2 || c.path("attention_bias").asBoolean(false);
        return new ModelConfig(family, required(c, "vocab_size", source), d, required(c, "num_hidden_layers", source),
                heads, kv, headDim, required(c, "intermediate_size", source),
                c.path("max_position_embeddings").asInt(2048), c.path("rms_norm_eps").asDouble(1e-6), theta, scaling,
                c.path("tie_word_embeddings").asBoolean(family == ModelFamily.QWEN2),
                qkvBias, c.path("mlp_bias").asBoolean(false),
                c.path("bos_token_id").asInt(1), eosOf(c.path("eos_token_id"), 2));
    }

    private static int eosOf(JsonNode n, int fallback) {
        if (n.isArray() && !n.isEmpty()) {
            return n.get(0).asInt();
        }
        return n.isNumber() ? n.asInt() : fallback;
    }

    private static int required(JsonNode c, String field, String source) {
        JsonNode n = c.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new HeteroloraException(source + " lacks integer field '" + field + "'");
        }
        return n.asInt();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Width of the fused q/k/v output: queries plus keys plus values. */
    public int qkvSize() {
        return (heads + 2 * kvHeads) * headDim;
    }

    /** Input and output width of the linear map an adapter at a site of this kind adapts. */
    public SiteShape siteShape(SiteKind kind) {
        int d = hiddenSize;
        return switch (kind) {
            case QKV -> new SiteShape(d, qkvSize());
            case Q -> new SiteShape(d, heads * headDim);
            case K, V -> new SiteShape(d, kvHeads * headDim);
            case O -> new SiteShape(heads * headDim, d);
            case GATE, UP -> new SiteShape(d, intermediateSize);
            case DOWN -> new SiteShape(intermediateSize, d);
            case RESIDUAL_ATTN, RESIDUAL_FFN, CROSS_SUBLAYER, CROSS_LAYER -> new SiteShape(d, d);
        };
    }

    /** The {@code in → out} shape of an adapted map; a rank-r adapter has r·(in + out) parameters. */
    public record SiteShape(int in, int out) {
        /** Parameters of a rank-{@code r} adapter (A is r×in, B is out×r). */
        public long adapterParameters(int rank) {
            return (long) rank * (in + out);
        }

        /** The largest rank that is not wasteful: min(in, out). */
        public int maxRank() {
            return Math.min(in, out);
        }
    }

    /** Every adapter site of this model: the projections of each layer, then the shortcuts (no cross_layer in 0). */
    public List<AdapterSite> sites(boolean withShortcuts) {
        List<AdapterSite> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (SiteKind k : family.projectionKinds()) {
                out.add(new AdapterSite(l, k));
            }
            if (withShortcuts) {
                for (SiteKind k : List.of(SiteKind.RESIDUAL_ATTN, SiteKind.RESIDUAL_FFN, SiteKind.CROSS_SUBLAYER,
                        SiteKind.CROSS_LAYER)) {
                    if (k != SiteKind.CROSS_LAYER || l > 0) {
                        out.add(new AdapterSite(l, k));
                    }
                }
            }
        }
        return out;
    }

    /** Whether {@code site} exists in this model. */
    public boolean hasSite(AdapterSite site) {
        if (site.layer() >= layers) {
            return false;
        }
        if (site.kind().isShortcut()) {
            return site.kind() != SiteKind.CROSS_LAYER || site.layer() > 0;
        }
        return family.projectionKinds().contains(site.kind());
    }

    /** Exact parameter count of the base model (a tied head counted once). */
    public long baseParameters() {
        long d = hiddenSize;
        long perLayer;
        long total = (long) vocabSize * d;
        if (family == ModelFamily.GPT2) {
            total += (long) maxPositions * d + 2 * d;
            perLayer = 4 * d + d * qkvSize() + qkvSize() + d * d + d
                    + d * intermediateSize + intermediateSize + (long) intermediateSize * d + d;
        } else {
            total += d;
            long q = (long) heads * headDim;
            perLayer = 2 * d + d * qkvSize() + (attentionBias ? qkvSize() : 0) + q * d + (attentionBias && family
                    == ModelFamily.LLAMA ? d : 0)
                    + 3 * d * intermediateSize + (mlpBias ? 2L * intermediateSize + d : 0);
        }
        if (!tieWordEmbeddings) {
            total += (long) vocabSize * d;
        }
        return total + perLayer * layers;
    }

    /** This configuration as HF's config.json (enough for this tool and for transformers to load it). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model_type", family.modelType());
        o.put("vocab_size", vocabSize);
        o.put("bos_token_id", bosTokenId);
        o.put("eos_token_id", eosTokenId);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (family == ModelFamily.GPT2) {
            o.putArray("architectures").add("GPT2LMHeadModel");
            o.put("n_embd", hiddenSize);
            o.put("n_head", heads);
            o.put("n_layer", layers);
            o.put("n_inner", intermediateSize);
            o.put("n_positions", maxPositions);
            o.put("layer_norm_epsilon", normEps);
            o.put("activation_function", "gelu_new");
            return o;
        }
        o.putArray("architectures").add(family == ModelFamily.LLAMA ? "LlamaForCausalLM" : "Qwen2ForCausalLM");
        o.put("hidden_size", hiddenSize);
        o.put("num_attention_heads", heads);
        o.put("num_key_value_heads", kvHeads);
        o.put("head_dim", headDim);
        o.put("num_hidden_layers", layers);
        o.put("intermediate_size", intermediateSize);
        o.put("max_position_embeddings", maxPositions);
        o.put("rms_norm_eps", normEps);
        o.put("rope_theta", ropeTheta);
        o.put("hidden_act", "silu");
        o.put("attention_bias", attentionBias);
        o.put("mlp_bias", mlpBias);
        if (ropeScaling != null) {
            ObjectNode r = o.putObject("rope_scaling");
            r.put("rope_type", "llama3");
            r.put("factor", ropeScaling.factor());
            r.put("low_freq_factor", ropeScaling.lowFreqFactor());
            r.put("high_freq_factor", ropeScaling.highFreqFactor());
            r.put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
        }
        return o;
    }
}
