package dev.heterolora.core;

import java.util.List;

/**
 * The transformer families the loader understands, with what differs between them: where the adapter sites are
 * and what PEFT calls each linear module.
 */
public enum ModelFamily {
    /** GPT-2: LayerNorm, learned positions, gelu_new, fused c_attn, Conv1D weights stored [in, out]. */
    GPT2("gpt2", List.of(SiteKind.QKV, SiteKind.O, SiteKind.UP, SiteKind.DOWN)),
    /** Llama: RMSNorm, RoPE, SwiGLU, grouped-query attention. */
    LLAMA("llama", List.of(SiteKind.Q, SiteKind.K, SiteKind.V, SiteKind.O, SiteKind.GATE, SiteKind.UP, SiteKind.DOWN)),
    /** Qwen2: Llama with biases on q, k and v. */
    QWEN2("qwen2", LLAMA.projectionKinds);

    private final String modelType;
    private final List<SiteKind> projectionKinds;

    ModelFamily(String modelType, List<SiteKind> projectionKinds) {
        this.modelType = modelType;
        this.projectionKinds = projectionKinds;
    }

    /** The {@code model_type} string of HF's config.json. */
    public String modelType() {
        return modelType;
    }

    /** The linear projections of one layer that can carry a LoRA, in layer order. */
    public List<SiteKind> projectionKinds() {
        return projectionKinds;
    }

    /** Looks a family up by HF's {@code model_type}. */
    public static ModelFamily fromModelType(String type) {
        for (ModelFamily f : values()) {
            if (f.modelType.equals(type)) {
                return f;
            }
        }
        throw new HeteroloraException("unsupported model_type '" + type + "' (supported: gpt2, llama, qwen2)");
    }

    /**
     * PEFT's module path of a projection site below {@code base_model.model.}, e.g.
     * {@code model.layers.0.self_attn.q_proj} or {@code transformer.h.0.attn.c_attn}.
     */
    public String peftModulePath(AdapterSite site) {
        int l = site.layer();
        if (this == GPT2) {
            return "transformer.h." + l + "." + switch (site.kind()) {
                case QKV -> "attn.c_attn";
                case O -> "attn.c_proj";
                case UP -> "mlp.c_fc";
                case DOWN -> "mlp.c_proj";
                default -> throw new HeteroloraException("GPT-2 has no " + site.kind().id() + " projection");
            };
        }
        return "model.layers." + l + "." + switch (site.kind()) {
            case Q -> "self_attn.q_proj";
            case K -> "self_attn.k_proj";
            case V -> "self_attn.v_proj";
            case O -> "self_attn.o_proj";
            case GATE -> "mlp.gate_proj";
            case UP -> "mlp.up_proj";
            case DOWN -> "mlp.down_proj";
            default -> throw new HeteroloraException(modelType + " has no " + site.kind().id() + " projection");
        };
    }

    /** The last component of {@link #peftModulePath}, as PEFT's {@code target_modules} lists it. */
    public String peftTargetName(SiteKind kind) {
        String path = peftModulePath(new AdapterSite(0, kind));
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
