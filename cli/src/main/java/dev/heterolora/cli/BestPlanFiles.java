package dev.heterolora.cli;

import dev.heterolora.app.Json;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.model.PeftAdapters;
import dev.heterolora.studies.Study;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A study's best plan written for the next step, as Optuna users expect of a study's best parameters: the plan file
 * {@code train --plan} reads, and PEFT's {@code adapter_config.json} for training the same placement in Python.
 */
final class BestPlanFiles {
    private BestPlanFiles() {}

    /** Writes the files that are not null and returns them. */
    static List<Path> write(Study study, AdapterPlan plan, Path planFile, Path peftConfigFile) {
        List<Path> written = new ArrayList<>();
        try {
            if (planFile != null) {
                written.add(writeText(planFile, Json.MAPPER.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(plan.toJson())));
            }
            if (peftConfigFile != null) {
                ModelConfig config = ModelConfig.read(Path.of(study.modelPath()));
                written.add(writeText(peftConfigFile, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(
                        PeftAdapters.adapterConfig(config, plan, study.modelPath()))));
            }
        } catch (IOException e) {
            throw new HeteroloraException("cannot write the best plan of study " + study.id() + ": " + e.getMessage());
        }
        return written;
    }

    private static Path writeText(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return Files.writeString(file, text + "\n");
    }
}
