package dev.heterolora.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.search.SearchSettings;
import dev.heterolora.search.SpaceOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that determines a study, stored as its configuration JSON so that {@code --resume} and
 * {@code replay} rebuild the same search without the original command line (the model's architecture is stored
 * too, so a replay needs no model files). {@code refine} is the number of top plans the refine stage trains after
 * the search (0 = none; see {@link RefineStage}).
 */
public record SearchConfig(String modelPath, String modelHash, ModelConfig modelConfig, String dataPath, String dataFormat,
                    String budgetText,
                    long budgetLimit, long baseParams, String strategy, List<String> proxies, boolean vote,
                    int proxyBatches, int proxyBatchSize, int maxLength, double probeStep, SpaceOptions space,
                    SearchSettings settings, int refine) {

    /**
     * The version of the search algorithms a study was made with; a study of another version cannot be replayed
     * bit for bit nor resumed (version 2: the auto strategy, seeded GA with scaled limits; studies without one are
     * version 1).
     */
    public static final int SEARCH_VERSION = 2;

    /** JSONL rows with "text" or "input_ids". */
    public static final String ROWS = "rows";
    /** prompt/response demonstrations (the embedded world's sft.jsonl): rows are prompt + response + EOS. */
    public static final String DEMONSTRATIONS = "demonstrations";

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        ObjectNode model = o.putObject("model");
        model.put("path", modelPath).put("hash", modelHash).set("config", modelConfig.toJson());
        o.put("data", dataPath).put("data_format", dataFormat);
        o.put("budget", budgetText).put("budget_limit", budgetLimit).put("base_params", baseParams);
        o.put("strategy", strategy);
        ArrayNode p = o.putArray("proxies");
        proxies.forEach(p::add);
        o.put("vote", vote);
        o.put("proxy_batches", proxyBatches).put("proxy_batch_size", proxyBatchSize).put("max_length", maxLength)
                .put("probe_step", probeStep);
        o.set("space", space.toJson());
        o.set("settings", settings.toJson());
        o.put("refine", refine);
        o.put("search_version", SEARCH_VERSION);
        return o;
    }

    /**
     * The stored configuration of study {@code studyId}, refused in one line when another search version made it:
     * {@code "study N was made by search version V"} followed by {@code refusal} with this version for its {@code %d}.
     */
    public static SearchConfig ofThisVersion(JsonNode stored, long studyId, String refusal) {
        int version = stored.path("search_version").asInt(1);
        if (version != SEARCH_VERSION) {
            throw new HeteroloraException("study " + studyId + " was made by search version " + version
                    + refusal.formatted(SEARCH_VERSION));
        }
        return fromJson(stored);
    }

    public static SearchConfig fromJson(JsonNode o) {
        try {
            JsonNode model = o.get("model");
            List<String> proxies = new ArrayList<>();
            o.get("proxies").forEach(n -> proxies.add(n.asText()));
            return new SearchConfig(model.get("path").asText(), model.get("hash").asText(),
                    ModelConfig.fromJson(model.get("config"), "stored study configuration"), o.get("data").asText(),
                    o.path("data_format").asText(ROWS),
                    o.get("budget").asText(), o.get("budget_limit").asLong(), o.get("base_params").asLong(),
                    o.get("strategy").asText(), proxies, o.get("vote").asBoolean(), o.get("proxy_batches").asInt(),
                    o.get("proxy_batch_size").asInt(), o.get("max_length").asInt(), o.get("probe_step").asDouble(),
                    SpaceOptions.fromJson(o.get("space")), SearchSettings.fromJson(o.get("settings")),
                    o.path("refine").asInt(0));
        } catch (NullPointerException e) {
            throw new HeteroloraException("the study's stored configuration is incomplete (was it made by an older "
                    + "version?)");
        }
    }
}
