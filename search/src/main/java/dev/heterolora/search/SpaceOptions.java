package dev.heterolora.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.SiteKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The user's choices that shape a {@link SearchSpace} independently of any model: which site kinds
 * ({@code --sites}), whether shortcut sites are included ({@code --no-shortcuts}), the allowed ranks
 * ({@code --ranks}) and the {@link AlphaRule}. Kept apart from the space so it can be parsed from flags, stored
 * with a study and re-applied to the same model for a replay.
 *
 * @param kinds     the site kinds to search over (non-empty)
 * @param shortcuts whether shortcut sites are included at all (false drops them even if {@code kinds} names them)
 * @param ranks     allowed ranks, normalised to ascending distinct values starting with 0 (off)
 * @param alpha     how alpha follows from rank
 */
public record SpaceOptions(Set<SiteKind> kinds, boolean shortcuts, List<Integer> ranks, AlphaRule alpha) {

    /** {0, 1, 2, 4, 8, 16, 32, 64}: 0 = off, then powers of two as LoRA practice uses them. */
    public static final List<Integer> DEFAULT_RANKS = List.of(0, 1, 2, 4, 8, 16, 32, 64);

    private static final ObjectMapper JSON = new ObjectMapper();

    public SpaceOptions {
        if (kinds == null || kinds.isEmpty()) {
            throw new HeteroloraException("no adapter site kinds selected (--sites takes e.g. q,v or all)");
        }
        kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
        if (ranks == null) {
            throw new HeteroloraException("no ranks given (--ranks takes e.g. 1,2,4,8)");
        }
        TreeSet<Integer> sorted = new TreeSet<>();
        for (Integer r : ranks) {
            if (r == null || r < 0) {
                throw new HeteroloraException("ranks must be positive integers, got " + r);
            }
            sorted.add(r);
        }
        sorted.add(0);
        if (sorted.size() < 2) {
            throw new HeteroloraException("ranks need at least one positive value (0 = off is always allowed)");
        }
        ranks = List.copyOf(sorted);
        if (alpha == null) {
            throw new HeteroloraException("alpha rule is missing");
        }
    }

    /** Every site kind, shortcuts on, {@link #DEFAULT_RANKS}, alpha = 2·rank. */
    public static SpaceOptions defaults() {
        return new SpaceOptions(EnumSet.allOf(SiteKind.class), true, DEFAULT_RANKS, AlphaRule.DEFAULT);
    }

    /** Parses {@code --sites}: {@code all} or a comma-separated list of kinds ({@code q,v,residual_attn}). */
    public static Set<SiteKind> parseKinds(String text) {
        if (text == null || text.isBlank()) {
            throw new HeteroloraException("--sites is empty; expected e.g. q,v or all");
        }
        if (text.strip().toLowerCase(Locale.ROOT).equals("all")) {
            return EnumSet.allOf(SiteKind.class);
        }
        EnumSet<SiteKind> kinds = EnumSet.noneOf(SiteKind.class);
        for (String part : text.split(",")) {
            kinds.add(SiteKind.parse(part));
        }
        return kinds;
    }

    /** Parses {@code --ranks}: comma-separated non-negative integers ({@code 1,2,4,8}; 0 is implied). */
    public static List<Integer> parseRanks(String text) {
        if (text == null || text.isBlank()) {
            throw new HeteroloraException("--ranks is empty; expected e.g. 1,2,4,8");
        }
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                out.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new HeteroloraException("bad rank '" + part.strip() + "' in --ranks: ranks must be positive integers");
            }
        }
        return out;
    }

    /** JSON form: {@code {"kinds":["q","v"],"shortcuts":true,"ranks":[0,1,…],"alpha":"2r"}}. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        var kindArray = o.putArray("kinds");
        kinds.forEach(k -> kindArray.add(k.id()));
        o.put("shortcuts", shortcuts);
        ranks.forEach(o.putArray("ranks")::add);
        o.put("alpha", alpha.text());
        return o;
    }

    /** Reads {@link #toJson()}. */
    public static SpaceOptions fromJson(JsonNode node) {
        if (node == null || !node.path("kinds").isArray() || !node.path("ranks").isArray()) {
            throw new HeteroloraException("search space options JSON needs arrays 'kinds' and 'ranks'");
        }
        EnumSet<SiteKind> kinds = EnumSet.noneOf(SiteKind.class);
        node.get("kinds").forEach(k -> kinds.add(SiteKind.parse(k.asText())));
        List<Integer> ranks = new ArrayList<>();
        node.get("ranks").forEach(r -> {
            if (!r.canConvertToInt()) {
                throw new HeteroloraException("search space options: rank " + r + " is not an integer");
            }
            ranks.add(r.asInt());
        });
        return new SpaceOptions(kinds, node.path("shortcuts").asBoolean(true), ranks,
                AlphaRule.parse(node.path("alpha").asText(AlphaRule.DEFAULT.text())));
    }
}
