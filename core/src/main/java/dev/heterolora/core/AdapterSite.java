package dev.heterolora.core;

import java.util.Comparator;

/**
 * One place in the model that can carry an adapter: a layer index and a {@link SiteKind}.
 *
 * <p>Its text form {@code "3.q"} / {@code "0.residual_attn"} is what plans store in JSON and what users type.
 */
public record AdapterSite(int layer, SiteKind kind) implements Comparable<AdapterSite> {

    private static final Comparator<AdapterSite> ORDER =
            Comparator.comparingInt(AdapterSite::layer).thenComparing(AdapterSite::kind);

    public AdapterSite {
        if (layer < 0) {
            throw new HeteroloraException("adapter site layer must be >= 0, got " + layer);
        }
        if (kind == null) {
            throw new HeteroloraException("adapter site kind is missing");
        }
    }

    /** Parses {@code "LAYER.KIND"}, e.g. {@code "2.down"}. */
    public static AdapterSite parse(String text) {
        int dot = text.indexOf('.');
        if (dot <= 0) {
            throw new HeteroloraException("bad adapter site '" + text + "': expected LAYER.KIND, e.g. 0.q");
        }
        int layer;
        try {
            layer = Integer.parseInt(text.substring(0, dot).trim());
        } catch (NumberFormatException e) {
            throw new HeteroloraException("bad adapter site '" + text + "': layer is not a number");
        }
        return new AdapterSite(layer, SiteKind.parse(text.substring(dot + 1)));
    }

    @Override
    public int compareTo(AdapterSite o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return layer + "." + kind.id();
    }
}
