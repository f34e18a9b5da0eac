package dev.heterolora.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where adapters go and how big each is: an immutable map from {@link AdapterSite} to {@link SiteAdapter}.
 * Sites that are absent are off (rank 0).
 *
 * <p>This is the value the search produces, the study stores as JSON and the trainer consumes.
 */
public record AdapterPlan(SortedMap<AdapterSite, SiteAdapter> adapters) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public AdapterPlan {
        adapters = Collections.unmodifiableSortedMap(new TreeMap<>(adapters));
    }

    /** The plan with no adapters: the base model. */
    public static AdapterPlan empty() {
        return new AdapterPlan(new TreeMap<>());
    }

    /** The same rank and alpha at every given site (a plain LoRA baseline). */
    public static AdapterPlan uniform(Collection<AdapterSite> sites, int rank, double alpha) {
        TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
        for (AdapterSite s : sites) {
            m.put(s, new SiteAdapter(rank, alpha));
        }
        return new AdapterPlan(m);
    }

    /** Rank at {@code site}, 0 when it is off. */
    public int rank(AdapterSite site) {
        SiteAdapter a = adapters.get(site);
        return a == null ? 0 : a.rank();
    }

    /** Whether the plan has no adapter at all. */
    public boolean isEmpty() {
        return adapters.isEmpty();
    }

    /** Exact number of trainable adapter parameters of this plan on a model of the given architecture. */
    public long trainableParameters(ModelConfig config) {
        long total = 0;
        for (Map.Entry<AdapterSite, SiteAdapter> e : adapters.entrySet()) {
            total += config.siteShape(e.getKey().kind()).adapterParameters(e.getValue().rank());
        }
        return total;
    }

    /**
     * Fails with a clear message if a site of this plan does not exist in the model, or has a rank above
     * min(in, out) of the site (a larger rank adds parameters but nothing a full-rank update lacks).
     */
    public AdapterPlan validateFor(ModelConfig config) {
        for (Map.Entry<AdapterSite, SiteAdapter> e : adapters.entrySet()) {
            AdapterSite s = e.getKey();
            if (!config.hasSite(s)) {
                throw new HeteroloraException("plan site " + s + " does not exist in this " + config.family().modelType()
                        + " model with " + config.layers() + " layers");
            }
            ModelConfig.SiteShape shape = config.siteShape(s.kind());
            if (e.getValue().rank() > shape.maxRank()) {
                throw new HeteroloraException("plan site " + s + " has rank " + e.getValue().rank() + ", but the site is "
                        + shape.in() + " → " + shape.out() + ": the rank can be at most min(in, out) = "
                        + shape.maxRank());
            }
        }
        return this;
    }

    /** JSON form: {@code {"sites": {"0.q": {"rank": 8, "alpha": 16.0}, …}}}. */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode sites = root.putObject("sites");
        adapters.forEach((s, a) -> {
            ObjectNode n = sites.putObject(s.toString());
            n.put("rank", a.rank());
            n.put("alpha", a.alpha());
        });
        return root;
    }

    /**
     * The JSON text of {@link #toJson()}, character for character, written directly rather than through a Jackson
     * tree: a search stores it for every trial, thousands a second. (Site names need no escaping; alpha is finite
     * and {@link StringBuilder#append(double)} writes what Jackson writes, {@link Double#toString(double)}.)
     */
    public String toJsonString() {
        StringBuilder b = new StringBuilder(12 + 36 * adapters.size()).append("{\"sites\":{");
        String comma = "";
        for (Map.Entry<AdapterSite, SiteAdapter> e : adapters.entrySet()) {
            b.append(comma).append('"').append(e.getKey()).append("\":{\"rank\":").append(e.getValue().rank())
                    .append(",\"alpha\":").append(e.getValue().alpha()).append('}');
            comma = ",";
        }
        return b.append("}}").toString();
    }

    /**
     * Parses the JSON form; a site may also be given as a bare rank ({@code "0.q": 8}, alpha = 2·rank).
     * Ranks of 0 mean off and are dropped.
     */
    public static AdapterPlan fromJson(JsonNode root) {
        JsonNode sites = root == null ? null : root.get("sites");
        if (sites == null || !sites.isObject()) {
            throw new HeteroloraException("adapter plan JSON needs an object field 'sites'");
        }
        TreeMap<AdapterSite, SiteAdapter> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = sites.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            AdapterSite site = AdapterSite.parse(e.getKey());
            JsonNode v = e.getValue();
            int rank;
            double alpha;
            if (v.isInt()) {
                rank = v.asInt();
                alpha = 2.0 * rank;
            } else if (v.isObject() && v.path("rank").isInt()) {
                rank = v.get("rank").asInt();
                alpha = v.has("alpha") ? v.get("alpha").asDouble() : 2.0 * rank;
            } else {
                throw new HeteroloraException("plan site " + site + ": expected a rank or {\"rank\":R,\"alpha\":A}");
            }
            if (rank < 0) {
                throw new HeteroloraException("plan site " + site + ": negative rank " + rank);
            }
            if (rank > 0) {
                m.put(site, new SiteAdapter(rank, alpha));
            }
        }
        return new AdapterPlan(m);
    }

    /** Parses a plan from JSON text. */
    public static AdapterPlan fromJson(String text) {
        try {
            return fromJson(JSON.readTree(text));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new HeteroloraException("adapter plan is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Reads a plan file. */
    public static AdapterPlan read(Path file) {
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new HeteroloraException("cannot read plan " + file + ": " + e.getMessage());
        }
    }
}
