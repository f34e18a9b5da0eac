package dev.heterolora.model;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.io.SafeTensorCheckpoint;
import dev.heterolora.model.io.SafeTensorDType;
import dev.heterolora.model.io.SafeTensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Folds a PEFT adapter into its base model: each adapted weight becomes {@code W + (α/r)·B·A}, written as a plain
 * HF model folder that transformers loads without PEFT (what PEFT's {@code merge_and_unload()} then
 * {@code save_pretrained()} gives).
 *
 * <p>It exists for users who want to ship or serve the tuned model as one checkpoint. The sum is computed in fp32
 * by the same merge inference uses ({@link CausalLM#mergeAdapters}) and stored in the base checkpoint's dtype;
 * config.json is copied unchanged. Shortcut adapters add paths a plain HF architecture does not have, so an
 * adapter with any is refused.
 */
public final class AdapterMerge {
    private AdapterMerge() {}

    /**
     * What was merged.
     *
     * @param sites the adapted projections folded in
     * @param dtype the dtype the weights were stored in (the base checkpoint's)
     */
    public record Result(int sites, SafeTensorDType dtype) {}

    /** Writes the merged model of {@code baseDir} + {@code adapterDir} into the (new, empty) folder {@code out}. */
    public static Result writeInto(Path baseDir, Path adapterDir, Path out) {
        ModelConfig config = ModelConfig.read(baseDir);
        SafeTensorDType dtype = storedDtype(baseDir, config);
        try (CausalLM model = HfCheckpoint.load(baseDir, ComputeSettings.cpu())) {
            AdapterPlan plan = PeftAdapters.importInto(model, adapterDir);
            List<AdapterSite> shortcuts = plan.adapters().keySet().stream().filter(s -> s.kind().isShortcut())
                    .toList();
            if (!shortcuts.isEmpty()) {
                throw new HeteroloraException("adapter " + adapterDir + " has shortcut adapters ("
                        + shortcuts.stream().map(AdapterSite::toString).collect(Collectors.joining(", "))
                        + "), which a plain HF model cannot hold; load it with heterolora's --adapter instead");
            }
            try (CausalLM.Merged merged = model.mergeAdapters()) {
                SafeTensorFile.write(out.resolve(SafeTensorCheckpoint.SINGLE_FILE),
                        HfCheckpoint.tensors(model, merged::weight, dtype), Map.of("format", "pt"));
            }
            Files.copy(baseDir.resolve("config.json"), out.resolve("config.json"),
                    StandardCopyOption.REPLACE_EXISTING);
            return new Result(plan.adapters().size(), dtype);
        } catch (IOException e) {
            throw new HeteroloraException("cannot write merged model to " + out + ": " + e.getMessage());
        }
    }

    /** The dtype of the base checkpoint's weights (that of its token embedding). */
    private static SafeTensorDType storedDtype(Path baseDir, ModelConfig config) {
        try (SafeTensorCheckpoint ckpt = SafeTensorCheckpoint.open(baseDir)) {
            String prefix = HfCheckpoint.verify(config, ckpt);
            String embed = prefix + HfCheckpoint.mappings(config).get(0).hfParts().get(0);
            SafeTensorDType dtype = ckpt.entry(embed).dtype();
            return switch (dtype) {
                case F32, F16, BF16 -> dtype;
                default -> SafeTensorDType.F32;
            };
        }
    }
}
