package dev.heterolora.results;

import dev.heterolora.core.HeteroloraException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The adapters of a plan as a report draws them: which rank sits at which layer and site kind. Read from the plan
 * JSON that trials store ({@code {"sites": {"0.q": {"rank": 8, "alpha": 16.0}, "1.residual_ffn": 2}}}; a bare
 * rank means alpha = 2·rank), without the model module. Sites of rank 0 are off and left out.
 *
 * @param sites the plan's adapters, by layer, then kind in {@link #KINDS} order (unknown kinds last, by name)
 */
public record PlanAllocation(List<Site> sites) {
    /** Site kinds in the order reports show them: projections, then shortcuts. */
    public static final List<String> KINDS = List.of("qkv", "q", "k", "v", "o", "gate", "up", "down",
            "residual_attn", "residual_ffn", "cross_sublayer", "cross_layer");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SITE = Pattern.compile("(\\d{1,6})\\.([A-Za-z0-9_]+)");
    private static final Comparator<String> KIND_ORDER = Comparator
            .comparingInt((String k) -> KINDS.contains(k) ? KINDS.indexOf(k) : KINDS.size())
            .thenComparing(Comparator.naturalOrder());

    /** One adapter of a plan. */
    public record Site(int layer, String kind, int rank, double alpha) {
        /** The site's name, {@code LAYER.KIND}. */
        public String name() {
            return layer + "." + kind;
        }
    }

    /** Sorts the sites by layer, then kind. */
    public PlanAllocation {
        sites = sites.stream().sorted(Comparator.comparingInt(Site::layer).thenComparing(Site::kind, KIND_ORDER)).toList();
    }

    /**
     * Parses a plan: an object with an object field {@code sites} (or, leniently, the sites object itself), each
     * site {@code LAYER.KIND} mapped to a rank or to {@code {"rank": r, "alpha": a}}.
     *
     * @throws HeteroloraException (one line) for malformed JSON, a bad site name or a bad rank
     */
    public static PlanAllocation parse(String planJson) {
        JsonNode root;
        try {
            root = JSON.readTree(planJson == null ? "" : planJson);
        } catch (JsonProcessingException e) {
            throw new HeteroloraException("plan is not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new HeteroloraException("plan JSON must be an object with a field 'sites'");
        }
        JsonNode sites = root.has("sites") ? root.get("sites") : root;
        if (!sites.isObject()) {
            throw new HeteroloraException("plan field 'sites' must be an object");
        }
        List<Site> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = sites.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Matcher m = SITE.matcher(e.getKey());
            if (!m.matches()) {
                throw new HeteroloraException("bad adapter site '" + e.getKey() + "' in plan (expected LAYER.KIND, e.g. 0.q)");
            }
            JsonNode v = e.getValue();
            JsonNode rankNode = v.isObject() ? v.get("rank") : v;
            if (rankNode == null || !rankNode.canConvertToInt() || !rankNode.isIntegralNumber() || rankNode.asInt() < 0) {
                throw new HeteroloraException("bad rank for site " + e.getKey() + " in plan: " + v);
            }
            int rank = rankNode.asInt();
            double alpha = v.isObject() && v.has("alpha") && v.get("alpha").isNumber() ? v.get("alpha").asDouble() : 2.0 * rank;
            if (rank > 0) {
                out.add(new Site(Integer.parseInt(m.group(1)), m.group(2), rank, alpha));
            }
        }
        return new PlanAllocation(out);
    }

    /** The rank at a site, 0 when the plan has no adapter there. */
    public int rank(int layer, String kind) {
        for (Site s : sites) {
            if (s.layer() == layer && s.kind().equals(kind)) {
                return s.rank();
            }
        }
        return 0;
    }

    /** One more than the highest layer with an adapter (0 for an empty plan). */
    public int layers() {
        return sites.stream().mapToInt(Site::layer).max().orElse(-1) + 1;
    }

    /** The kinds the plan adapts, in report order. */
    public List<String> kinds() {
        return orderKinds(sites.stream().map(Site::kind).toList());
    }

    /** The largest rank in the plan (0 for an empty plan). */
    public int maxRank() {
        return sites.stream().mapToInt(Site::rank).max().orElse(0);
    }

    /** The distinct kinds in report order: {@link #KINDS} first, then any others by name. */
    public static List<String> orderKinds(Collection<String> kinds) {
        return new LinkedHashSet<>(kinds).stream().sorted(KIND_ORDER).toList();
    }

    /**
     * The site names of a study's search space JSON ({@code {"sites": [{"site": "0.q", "ranks": [...]}, ...]}}, or
     * plain strings), for drawing plans on the full grid of the space. Lenient: an unreadable space gives an empty
     * list (the plans alone then fix the grid).
     */
    public static List<String> spaceSites(String searchSpaceJson) {
        try {
            JsonNode sites = JSON.readTree(searchSpaceJson == null ? "" : searchSpaceJson).path("sites");
            Set<String> out = new LinkedHashSet<>();
            for (JsonNode s : sites) {
                String name = s.isTextual() ? s.asText() : s.path("site").asText("");
                if (SITE.matcher(name).matches()) {
                    out.add(name);
                }
            }
            return List.copyOf(out);
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    /** The largest rank a search space JSON allows on any site (0 if it says nothing readable). */
    public static int spaceMaxRank(String searchSpaceJson) {
        try {
            JsonNode root = JSON.readTree(searchSpaceJson == null ? "" : searchSpaceJson);
            int max = 0;
            for (JsonNode s : root.path("sites")) {
                for (JsonNode r : s.path("ranks")) {
                    max = Math.max(max, r.asInt());
                }
            }
            for (JsonNode r : root.path("ranks")) {
                max = Math.max(max, r.asInt());
            }
            return max;
        } catch (JsonProcessingException e) {
            return 0;
        }
    }

    /** The layer of a site name {@code LAYER.KIND}. */
    static int layerOf(String site) {
        return Integer.parseInt(site.substring(0, site.indexOf('.')));
    }

    /** The kind of a site name {@code LAYER.KIND}. */
    static String kindOf(String site) {
        return site.substring(site.indexOf('.') + 1);
    }
}
