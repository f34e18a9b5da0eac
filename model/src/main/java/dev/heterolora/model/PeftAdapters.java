package dev.heterolora.model;

import dev.heterolora.core.AtomicFile;
import dev.heterolora.core.HeteroloraException;

import dev.heterolora.core.ModelFamily;

import dev.heterolora.core.ModelConfig;

import dev.heterolora.core.SiteAdapter;

import dev.heterolora.core.SiteKind;

import dev.heterolora.core.AdapterSite;

import dev.heterolora.core.AdapterPlan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.model.io.Finite;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.TensorData;
import dev.heterolora.model.io.TensorEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Adapters in PEFT's on-disk layout, so users can take our adapters to transformers/PEFT and bring theirs here.
 *
 * <p>{@code adapter_config.json} carries {@code r}, {@code lora_alpha}, {@code target_modules},
 * {@code rank_pattern} and {@code alpha_pattern}; {@code adapter_model.safetensors} holds
 * {@code base_model.model.<module>.lora_A.weight} / {@code lora_B.weight}. Shortcut adapters, which PEFT has no
 * notion of, go to {@value #SHORTCUT_FILE} beside them: tensors {@code layers.<l>.<kind>.lora_A.weight} /
 * {@code lora_B.weight}, and each adapter's alpha in the metadata as {@code layers.<l>.<kind>.alpha}.
 */
public final class PeftAdapters {
    /** The file that holds shortcut adapters next to PEFT's files. */
    public static final String SHORTCUT_FILE = "heterolora_shortcuts.safetensors";
    private static final String CONFIG_FILE = "adapter_config.json";
    private static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapters() {}

    /** PEFT's key for a module in rank/alpha patterns (the module path below the model's top container). */
    private static String patternKey(ModelFamily family, AdapterSite site) {
        String path = family.peftModulePath(site);
        return path.substring(path.indexOf('.') + 1);
    }

    /**
     * Loads the adapter in {@code dir} into {@code model}, replacing its adapters. Ranks come from the tensors and
     * must agree with {@code r}/{@code rank_pattern}; alphas from {@code lora_alpha}/{@code alpha_pattern}.
     */
    public static AdapterPlan importInto(CausalLM model, Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new HeteroloraException("no " + CONFIG_FILE + " in adapter directory " + dir);
        }
        JsonNode cfg;
        try {
            cfg = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new HeteroloraException("cannot parse " + configFile + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (cfg == null || !cfg.isObject()) {
            throw new HeteroloraException(configFile + " is not a JSON object");
        }
        String type = cfg.path("peft_type").asText("LORA");
        if (!type.equals("LORA")) {
            throw new HeteroloraException(configFile + ": peft_type " + type + " is not supported (LORA)");
        }
        for (String flag : List.of("use_dora", "use_qalora")) {
            if (cfg.path(flag).asBoolean(false)) {
                throw new HeteroloraException(configFile + ": " + flag + " adapters are not supported");
            }
        }
        if (cfg.path("lora_bias").asBoolean(false) || !cfg.path("bias").asText("none").equals("none")) {
            throw new HeteroloraException(configFile + ": adapters with bias terms are not supported");
        }
        boolean rslora = cfg.path("use_rslora").asBoolean(false);
        int defaultRank = cfg.path("r").asInt(8);
        double defaultAlpha = cfg.path("lora_alpha").asDouble(8);
        float dropout = (float) cfg.path("lora_dropout").asDouble(0);
        ModelConfig config = model.config();
        Map<String, AdapterSite> byPath = new HashMap<>();
        for (AdapterSite s : config.sites(false)) {
            byPath.put(config.family().peftModulePath(s), s);
        }
        model.removeAdapters();
        TreeMap<AdapterSite, SiteAdapter> plan = new TreeMap<>();
        try (NDManager scope = model.manager().newSubManager();
             SafeTensorFile weights = SafeTensorFile.open(dir.resolve(WEIGHTS_FILE))) {
            Map<String, List<String>> modules = new TreeMap<>();
            for (TensorEntry e : weights.entries()) {
                String n = e.name();
                if (!n.startsWith(PREFIX) || !(n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight"))) {
                    throw new HeteroloraException(dir.resolve(WEIGHTS_FILE) + ": unexpected tensor '" + n + "'");
                }
                String module = n.substring(PREFIX.length(), n.length() - ".lora_A.weight".length());
                modules.computeIfAbsent(module, k -> new ArrayList<>()).add(n);
            }
            for (String module : modules.keySet()) {
                AdapterSite site = byPath.get(module);
                if (site == null) {
                    throw new HeteroloraException("adapter module '" + module + "' does not exist in this "
                            + config.family().modelType() + " model");
                }
                String key = PREFIX + module;
                TensorEntry a = weights.entry(key + ".lora_A.weight");
                TensorEntry b = weights.entry(key + ".lora_B.weight");
                int rank = (int) a.shape()[0];
                int declared = match(cfg.path("rank_pattern"), module, JsonNode::asInt, defaultRank);
                if (rank != declared) {
                    throw new HeteroloraException("adapter module '" + module + "' has rank " + rank
                            + " in its tensors but " + declared + " in " + CONFIG_FILE);
                }
                double alpha = match(cfg.path("alpha_pattern"), module, JsonNode::asDouble, defaultAlpha);
                // rsLoRA scales by alpha/√r; as alpha'/r that is alpha' = alpha·√r
                SiteAdapter shape = new SiteAdapter(rank, rslora ? alpha * Math.sqrt(rank) : alpha);
                model.putAdapter(site, shape, array(scope, weights, a), array(scope, weights, b), dropout);
                plan.put(site, shape);
            }
            Path shortcuts = dir.resolve(SHORTCUT_FILE);
            if (Files.exists(shortcuts)) {
                importShortcuts(model, scope, shortcuts, plan, dropout);
            }
        } catch (RuntimeException e) {
            model.removeAdapters();
            throw e;
        }
        return new AdapterPlan(plan);
    }

    private static void importShortcuts(CausalLM model, NDManager scope, Path file,
                                        TreeMap<AdapterSite, SiteAdapter> plan, float dropout) {
        try (SafeTensorFile f = SafeTensorFile.open(file)) {
            Set<String> seen = new TreeSet<>();
            for (TensorEntry e : f.entries()) {
                String n = e.name();
                if (!n.startsWith("layers.") || !(n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight"))) {
                    throw new HeteroloraException(file + ": unexpected tensor '" + n + "'");
                }
                seen.add(n.substring("layers.".length(), n.length() - ".lora_A.weight".length()));
            }
            for (String id : seen) {
                AdapterSite site = AdapterSite.parse(id);
                if (!site.kind().isShortcut()) {
                    throw new HeteroloraException(file + ": '" + id + "' is not a shortcut site");
                }
                TensorEntry a = f.entry("layers." + id + ".lora_A.weight");
                TensorEntry b = f.entry("layers." + id + ".lora_B.weight");
                String alphaText = f.metadata().get("layers." + id + ".alpha");
                if (alphaText == null) {
                    throw new HeteroloraException(file + ": no alpha for shortcut " + id + " in the metadata");
                }
                SiteAdapter shape = new SiteAdapter((int) a.shape()[0], parseAlpha(file, id, alphaText));
                model.putAdapter(site, shape, array(scope, f, a), array(scope, f, b), dropout);
                plan.put(site, shape);
            }
        }
    }

    private static double parseAlpha(Path file, String id, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new HeteroloraException(file + ": alpha of shortcut " + id + " is not a number: '" + text + "'");
        }
    }

    private static NDArray array(NDManager scope, SafeTensorFile f, TensorEntry e) {
        if (e.shape().length != 2) {
            throw new HeteroloraException("adapter tensor '" + e.name() + "' is not a matrix");
        }
        return scope.create(Finite.require("adapter tensor '" + e.name() + "'", f.readFloats(e.name())),
                new Shape(e.shape()[0], e.shape()[1]));
    }

    /** PEFT's pattern lookup: a key matches a module whose path ends with it (on a dot boundary). */
    private static <T> T match(JsonNode patterns, String module, Function<JsonNode, T> read, T fallback) {
        if (patterns == null || !patterns.isObject()) {
            return fallback;
        }
        for (var it = patterns.fields(); it.hasNext(); ) {
            var e = it.next();
            if (Pattern.compile("(.*\\.)?" + e.getKey() + "$").matcher(module).matches()) {
                return read.apply(e.getValue());
            }
        }
        return fallback;
    }

    /**
     * PEFT's {@code adapter_config.json} (a {@code LoraConfig}) for the projection sites of {@code plan}, so that
     * Python users can train the plan with PEFT: {@code r}/{@code lora_alpha} are the most common values and sites
     * that differ go to {@code rank_pattern}/{@code alpha_pattern}. Shortcut sites have no PEFT form and are left out.
     */
    public static ObjectNode adapterConfig(ModelConfig config, AdapterPlan plan, String baseModelPath) {
        ModelFamily family = config.family();
        List<Map.Entry<AdapterSite, SiteAdapter>> projections = plan.adapters().entrySet().stream()
                .filter(e -> !e.getKey().kind().isShortcut()).toList();
        int r = mostCommon(projections, e -> e.getValue().rank(), 8);
        double alpha = mostCommon(projections, e -> e.getValue().alpha(), 8.0);
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("base_model_name_or_path", baseModelPath);
        cfg.put("r", r);
        putNumber(cfg, "lora_alpha", alpha);
        cfg.put("lora_dropout", 0.0);
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", family == ModelFamily.GPT2);
        cfg.put("init_lora_weights", true);
        cfg.put("inference_mode", true);
        cfg.put("use_rslora", false);
        cfg.put("use_dora", false);
        cfg.putNull("modules_to_save");
        cfg.putNull("layers_to_transform");
        ArrayNode targets = cfg.putArray("target_modules");
        targetModules(config, projections.stream().map(Map.Entry::getKey).toList()).forEach(targets::add);
        ObjectNode rankPattern = cfg.putObject("rank_pattern");
        ObjectNode alphaPattern = cfg.putObject("alpha_pattern");
        for (Map.Entry<AdapterSite, SiteAdapter> e : projections) {
            String key = patternKey(family, e.getKey());
            if (e.getValue().rank() != r) {
                rankPattern.put(key, e.getValue().rank());
            }
            if (e.getValue().alpha() != alpha) {
                putNumber(alphaPattern, key, e.getValue().alpha());
            }
        }
        return cfg;
    }

    /**
     * Writes the model's adapters to {@code dir} in PEFT's layout (plus {@value #SHORTCUT_FILE} when the plan has
     * shortcuts), with the configuration of {@link #adapterConfig}.
     */
    public static void export(CausalLM model, Path dir, String baseModelPath) {
        ModelConfig config = model.config();
        ModelFamily family = config.family();
        Map<AdapterSite, LoraAdapter> all = model.adapters();
        List<LoraAdapter> projections = all.values().stream().filter(a -> !a.site().kind().isShortcut()).toList();
        List<LoraAdapter> shortcuts = all.values().stream().filter(a -> a.site().kind().isShortcut()).toList();
        TreeMap<AdapterSite, SiteAdapter> shapes = new TreeMap<>();
        projections.forEach(a -> shapes.put(a.site(), a.shape()));
        ObjectNode cfg = adapterConfig(config, new AdapterPlan(shapes), baseModelPath);
        TreeMap<String, TensorData> tensors = new TreeMap<>();
        for (LoraAdapter a : projections) {
            String name = PREFIX + family.peftModulePath(a.site());
            tensors.put(name + ".lora_A.weight", tensor(a.a().getArray()));
            tensors.put(name + ".lora_B.weight", tensor(a.b().getArray()));
        }
        try {
            Files.createDirectories(dir);
            SafeTensorFile.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
            AtomicFile.writeString(dir.resolve(CONFIG_FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
            Path shortcutFile = dir.resolve(SHORTCUT_FILE);
            if (shortcuts.isEmpty()) {
                Files.deleteIfExists(shortcutFile);
            } else {
                TreeMap<String, TensorData> st = new TreeMap<>();
                Map<String, String> meta = new TreeMap<>();
                meta.put("format", "heterolora-shortcuts");
                for (LoraAdapter a : shortcuts) {
                    String id = "layers." + a.site();
                    st.put(id + ".lora_A.weight", tensor(a.a().getArray()));
                    st.put(id + ".lora_B.weight", tensor(a.b().getArray()));
                    meta.put(id + ".alpha", Double.toString(a.shape().alpha()));
                }
                SafeTensorFile.write(shortcutFile, st, meta);
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot write adapter to " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Short names ({@code q_proj}) for kinds adapted in every layer; full module paths otherwise, so that PEFT
     * adapts exactly the plan's modules and no others.
     */
    private static List<String> targetModules(ModelConfig config, List<AdapterSite> projections) {
        Map<SiteKind, List<AdapterSite>> byKind = projections.stream()
                .collect(Collectors.groupingBy(AdapterSite::kind, TreeMap::new, Collectors.toList()));
        TreeSet<String> out = new TreeSet<>();
        byKind.forEach((kind, sites) -> {
            if (sites.size() == config.layers()) {
                out.add(config.family().peftTargetName(kind));
            } else {
                sites.forEach(s -> out.add(config.family().peftModulePath(s)));
            }
        });
        return new ArrayList<>(out);
    }

    /** Whole numbers as JSON integers, as PEFT writes them. */
    private static void putNumber(ObjectNode node, String key, double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            node.put(key, (long) value);
        } else {
            node.put(key, value);
        }
    }

    private static TensorData tensor(NDArray x) {
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();
        return TensorData.ofFloats(x.getShape().getShape(), v);
    }

    /** The most frequent value (ties: the one seen first), or {@code fallback} when there are no adapters. */
    private static <E, T> T mostCommon(List<E> adapters, Function<E, T> key, T fallback) {
        Map<T, Long> counts = adapters.stream()
                .collect(Collectors.groupingBy(key, LinkedHashMap::new, Collectors.counting()));
        T best = fallback;
        long bestCount = 0;
        for (Map.Entry<T, Long> e : counts.entrySet()) {
            if (e.getValue() > bestCount) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }
}
