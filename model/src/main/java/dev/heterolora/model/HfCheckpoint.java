package dev.heterolora.model;

import dev.heterolora.core.AtomicFile;
import dev.heterolora.core.HeteroloraException;

import dev.heterolora.core.ModelFamily;

import dev.heterolora.core.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heterolora.model.io.Finite;
import dev.heterolora.model.io.SafeTensorCheckpoint;
import dev.heterolora.model.io.SafeTensorDType;
import dev.heterolora.model.io.SafeTensorFile;
import dev.heterolora.model.io.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads and writes models in HuggingFace's folder layout ({@code config.json} + {@code model.safetensors} or a
 * sharded index), mapping HF's tensor names and layouts to {@link CausalLM}'s fused ones and back.
 *
 * <p>BF16 and F16 checkpoints are converted to fp32 on the Java side before any NDArray exists (DJL's PyTorch JNI
 * cannot hold BF16), then cast to the compute dtype.
 */
public final class HfCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfCheckpoint() {}

    /**
     * One of our weights and the HF tensors it is made of: the parts are stacked along rows, each transposed first
     * when HF stores it [in, out] (GPT-2's Conv1D).
     */
    record WeightMapping(String ours, List<String> hfParts, long[] partRows, long cols, boolean transposed) {
        /** Whether this weight is a vector (bias or norm gain). */
        boolean vector() {
            return cols == 0;
        }

        long rows() {
            return Arrays.stream(partRows).sum();
        }
    }

    /** Loads the model in {@code dir} onto the configured device and dtype. */
    public static CausalLM load(Path dir, ComputeSettings compute) {
        if (!Files.isDirectory(dir)) {
            throw new HeteroloraException("model directory " + dir + " does not exist");
        }
        ModelConfig config = ModelConfig.read(dir);
        NDManager manager = NDManager.newBaseManager(compute.device());
        try (SafeTensorCheckpoint ckpt = SafeTensorCheckpoint.open(dir)) {
            String prefix = verify(config, ckpt);
            Map<String, NDArray> weights = new HashMap<>();
            for (WeightMapping m : mappings(config)) {
                float[] data = readMapping(ckpt, prefix, m);
                Shape shape = m.vector() ? new Shape(m.rows()) : new Shape(m.rows(), m.cols());
                weights.put(m.ours(), Precision.castFresh(manager.create(data, shape), compute.dtype()));
            }
            return new CausalLM(config, compute, manager, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static String detectPrefix(ModelConfig config, SafeTensorCheckpoint ckpt) {
        String probe = config.family() == ModelFamily.GPT2 ? "wte.weight" : "embed_tokens.weight";
        for (String p : List.of(config.family() == ModelFamily.GPT2 ? "transformer." : "model.", "")) {
            if (ckpt.has(p + probe)) {
                return p;
            }
        }
        throw new HeteroloraException("checkpoint has no " + probe + ": not a " + config.family().modelType()
                + " model in HF layout");
    }

    /**
     * Checks, from the checkpoint's headers alone, that it holds every tensor {@code config} implies, each with the
     * shape {@code config} implies; {@link #load} and {@code inspect} share it. Returns the prefix of the names
     * ({@code transformer.}, {@code model.} or none).
     *
     * @throws HeteroloraException naming the first missing or misshapen tensor
     */
    public static String verify(ModelConfig config, SafeTensorCheckpoint ckpt) {
        String prefix = detectPrefix(config, ckpt);
        for (WeightMapping m : mappings(config)) {
            for (int i = 0; i < m.hfParts().size(); i++) {
                String name = hfName(prefix, m.hfParts().get(i));
                if (!ckpt.has(name)) {
                    throw new HeteroloraException("checkpoint in " + ckpt.directory() + " lacks tensor '" + name
                            + "', which config.json implies");
                }
                long[] shape = ckpt.entry(name).shape();
                long[] expected = m.vector() ? new long[] {m.partRows()[i]}
                        : m.transposed() ? new long[] {m.cols(), m.partRows()[i]}
                        : new long[] {m.partRows()[i], m.cols()};
                if (!Arrays.equals(shape, expected)) {
                    throw new HeteroloraException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                            + " but config.json implies " + Arrays.toString(expected));
                }
            }
        }
        return prefix;
    }

    private static String hfName(String prefix, String part) {
        return part.startsWith("lm_head") ? part : prefix + part;
    }

    /** Reads the parts of one weight (shapes already verified), each checked to be finite. */
    private static float[] readMapping(SafeTensorCheckpoint ckpt, String prefix, WeightMapping m) {
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < m.hfParts().size(); i++) {
            String name = hfName(prefix, m.hfParts().get(i));
            long[] shape = ckpt.entry(name).shape();
            float[] v = Finite.require("tensor '" + name + "' in " + ckpt.directory(), ckpt.readFloats(name));
            if (m.transposed()) {
                v = transpose(v, (int) shape[0], (int) shape[1]);
            }
            parts.add(v);
            total += v.length;
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static float[] transpose(float[] v, int rows, int cols) {
        float[] t = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = v[r * cols + c];
            }
        }
        return t;
    }

    private static WeightMapping matrix(String ours, List<String> parts, long[] rows, long cols, boolean transposed) {
        return new WeightMapping(ours, parts, rows, cols, transposed);
    }

    private static WeightMapping vector(String ours, List<String> parts, long... rows) {
        return new WeightMapping(ours, parts, rows, 0, false);
    }

    /** The weight mappings of a model of this architecture (HF names without the transformer./model. prefix). */
    static List<WeightMapping> mappings(ModelConfig c) {
        List<WeightMapping> out = new ArrayList<>();
        long d = c.hiddenSize();
        long inter = c.intermediateSize();
        if (c.family() == ModelFamily.GPT2) {
            out.add(matrix("embed", List.of("wte.weight"), new long[] {c.vocabSize()}, d, false));
            out.add(matrix("positions", List.of("wpe.weight"), new long[] {c.maxPositions()}, d, false));
            for (int l = 0; l < c.layers(); l++) {
                String h = "h." + l + ".";
                String o = "layers." + l + ".";
                out.add(vector(o + "norm1.weight", List.of(h + "ln_1.weight"), d));
                out.add(vector(o + "norm1.bias", List.of(h + "ln_1.bias"), d));
                out.add(matrix(o + "qkv.weight", List.of(h + "attn.c_attn.weight"), new long[] {3 * d}, d, true));
                out.add(vector(o + "qkv.bias", List.of(h + "attn.c_attn.bias"), 3 * d));
                out.add(matrix(o + "out.weight", List.of(h + "attn.c_proj.weight"), new long[] {d}, d, true));
                out.add(vector(o + "out.bias", List.of(h + "attn.c_proj.bias"), d));
                out.add(vector(o + "norm2.weight", List.of(h + "ln_2.weight"), d));
                out.add(vector(o + "norm2.bias", List.of(h + "ln_2.bias"), d));
                out.add(matrix(o + "up.weight", List.of(h + "mlp.c_fc.weight"), new long[] {inter}, d, true));
                out.add(vector(o + "up.bias", List.of(h + "mlp.c_fc.bias"), inter));
                out.add(matrix(o + "down.weight", List.of(h + "mlp.c_proj.weight"), new long[] {d}, inter, true));
                out.add(vector(o + "down.bias", List.of(h + "mlp.c_proj.bias"), d));
            }
            out.add(vector("norm.weight", List.of("ln_f.weight"), d));
            out.add(vector("norm.bias", List.of("ln_f.bias"), d));
            return out;
        }
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        out.add(matrix("embed", List.of("embed_tokens.weight"), new long[] {c.vocabSize()}, d, false));
        for (int l = 0; l < c.layers(); l++) {
            String h = "layers." + l + ".";
            String a = h + "self_attn.";
            String m = h + "mlp.";
            out.add(vector(h + "norm1.weight", List.of(h + "input_layernorm.weight"), d));
            out.add(matrix(h + "qkv.weight", List.of(a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"),
                    new long[] {q, kv, kv}, d, false));
            if (c.attentionBias()) {
                out.add(vector(h + "qkv.bias", List.of(a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias"),
                        q, kv, kv));
            }
            out.add(matrix(h + "out.weight", List.of(a + "o_proj.weight"), new long[] {d}, q, false));
            if (c.attentionBias() && c.family() == ModelFamily.LLAMA) {
                out.add(vector(h + "out.bias", List.of(a + "o_proj.bias"), d));
            }
            out.add(vector(h + "norm2.weight", List.of(h + "post_attention_layernorm.weight"), d));
            out.add(matrix(h + "up.weight", List.of(m + "gate_proj.weight", m + "up_proj.weight"),
                    new long[] {inter, inter}, d, false));
            out.add(matrix(h + "down.weight", List.of(m + "down_proj.weight"), new long[] {d}, inter, false));
            if (c.mlpBias()) {
                out.add(vector(h + "up.bias", List.of(m + "gate_proj.bias", m + "up_proj.bias"), inter, inter));
                out.add(vector(h + "down.bias", List.of(m + "down_proj.bias"), d));
            }
        }
        out.add(vector("norm.weight", List.of("norm.weight"), d));
        if (!c.tieWordEmbeddings()) {
            out.add(matrix("head", List.of("lm_head.weight"), new long[] {c.vocabSize()}, d, false));
        }
        return out;
    }

    /**
     * Writes the model's base weights and config.json to {@code dir} in HF layout, fp32, as transformers would name
     * them. Files are written atomically.
     */
    public static void save(CausalLM model, Path dir) {
        try {
            Files.createDirectories(dir);
            SafeTensorFile.write(dir.resolve("model.safetensors"),
                    tensors(model, Parameter::getArray, SafeTensorDType.F32), Map.of("format", "pt"));
            AtomicFile.writeString(dir.resolve("config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(model.config().toJson()));
        } catch (IOException e) {
            throw new HeteroloraException("cannot write model to " + dir + ": " + e.getMessage());
        }
    }

    /**
     * The model's weights under transformers' names and layouts, each taken through {@code weightOf} (the base
     * weight, or a merged copy) and stored as {@code dtype}.
     */
    static TreeMap<String, TensorData> tensors(CausalLM model, Function<Parameter, NDArray> weightOf,
                                               SafeTensorDType dtype) {
        ModelConfig c = model.config();
        String prefix = c.family() == ModelFamily.GPT2 ? "transformer." : "model.";
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Parameter p : model.baseParameters()) {
            params.put(p.getName(), p);
        }
        if (c.tieWordEmbeddings()) {
            params.put("head", params.get("embed"));
        }
        TreeMap<String, TensorData> tensors = new TreeMap<>();
        for (WeightMapping m : mappings(c)) {
            float[] all = weightOf.apply(params.get(m.ours())).toType(DataType.FLOAT32, false).toFloatArray();
            boolean vector = m.vector();
            long cols = vector ? 1 : m.cols();
            int at = 0;
            for (int i = 0; i < m.hfParts().size(); i++) {
                int n = (int) (m.partRows()[i] * cols);
                float[] part = Arrays.copyOfRange(all, at, at + n);
                at += n;
                long[] shape = vector ? new long[] {m.partRows()[i]} : new long[] {m.partRows()[i], cols};
                if (m.transposed()) {
                    part = transpose(part, (int) m.partRows()[i], (int) cols);
                    shape = new long[] {cols, m.partRows()[i]};
                }
                tensors.put(hfName(prefix, m.hfParts().get(i)), TensorData.ofFloats(shape, part, dtype));
            }
        }
        return tensors;
    }
}
