package dev.heterolora.cli;

import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.PeftAdapters;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The flags that choose a model, an optional adapter, and where and how it computes. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "HuggingFace model folder (config.json, model.safetensors, tokenizer.json)")
    Path model;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32 or fp16 (default: ${DEFAULT-VALUE})")
    String dtype;

    /** The model folder; fails clearly when none was given. */
    Path modelDir() {
        if (model == null) {
            throw new HeteroloraException("--model DIR is required (a HuggingFace folder with config.json and "
                    + "model.safetensors)");
        }
        return model;
    }

    ComputeSettings compute() {
        return ComputeSettings.parse(device, dtype);
    }

    /** Loads the model and, when given, the adapter in PEFT layout. */
    CausalLM load(Path adapter) {
        CausalLM lm = HfCheckpoint.load(modelDir(), compute());
        if (adapter != null) {
            try {
                PeftAdapters.importInto(lm, adapter);
            } catch (RuntimeException e) {
                lm.close();
                throw e;
            }
        }
        return lm;
    }
}
