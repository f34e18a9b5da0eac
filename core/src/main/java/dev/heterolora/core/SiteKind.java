package dev.heterolora.core;

import java.util.Arrays;
import java.util.Locale;

/**
 * What kind of place in a transformer layer can carry a low-rank adapter.
 *
 * <p>Projection kinds are the linear layers HF/PEFT would target ({@code q_proj} … {@code down_proj}, or GPT-2's
 * fused {@code c_attn}); shortcut kinds are the HeteroLoRA authors' LoRA-adapted shortcut connections, whose frozen
 * part is the identity (residual kinds) or zero (cross kinds). The set is closed, so it is an enum.
 */
public enum SiteKind {
    /** Fused query/key/value projection (GPT-2 {@code attn.c_attn}). */
    QKV("qkv", false),
    Q("q", false),
    K("k", false),
    V("v", false),
    /** Attention output projection ({@code o_proj}, GPT-2 {@code attn.c_proj}). */
    O("o", false),
    GATE("gate", false),
    /** FFN up projection ({@code up_proj}, GPT-2 {@code mlp.c_fc}). */
    UP("up", false),
    /** FFN down projection ({@code down_proj}, GPT-2 {@code mlp.c_proj}). */
    DOWN("down", false),
    /** The attention residual h becomes (I + s·B·A)·h. */
    RESIDUAL_ATTN("residual_attn", true),
    /** The FFN residual h becomes (I + s·B·A)·h. */
    RESIDUAL_FFN("residual_ffn", true),
    /** s·B·A·h_in (the layer's input) is added after the FFN. */
    CROSS_SUBLAYER("cross_sublayer", true),
    /** The previous layer's FFN input is added to this layer's post-attention state through s·B·A (not in layer 0). */
    CROSS_LAYER("cross_layer", true);

    private final String id;
    private final boolean shortcut;

    SiteKind(String id, boolean shortcut) {
        this.id = id;
        this.shortcut = shortcut;
    }

    /** The short lower-case name used in plans, flags and tables ({@code q}, {@code residual_attn}, …). */
    public String id() {
        return id;
    }

    /** Whether this is a LoRA-adapted shortcut rather than a LoRA on a linear projection. */
    public boolean isShortcut() {
        return shortcut;
    }

    /** Parses a short name as {@link #id()} gives it (case-insensitive). */
    public static SiteKind parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.id.equals(t)).findFirst()
                .orElseThrow(() -> new HeteroloraException("unknown adapter site kind '" + text + "' (expected one of "
                        + String.join(", ", Arrays.stream(values()).map(SiteKind::id).toList()) + ")"));
    }
}
