package dev.heterolora.cli;

import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.AdapterMerge;
import dev.heterolora.trainer.OutputDirectory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora merge}: a base model with a PEFT adapter folded in, as a plain HF model folder. */
@Command(name = "merge", description = "Fold a PEFT adapter into its base model (W + alpha/r * B A per adapted "
        + "weight) and write a plain HuggingFace model folder in the base's dtype, tokenizer files copied.")
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", required = true, description = "base model folder (HF layout)")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", required = true, description = "adapter folder in PEFT layout")
    Path adapter;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder for the merged model")
    Path out;

    @Option(names = "--force", description = "replace an existing output folder")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (out.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
            throw new HeteroloraException("--out must not be the base model folder " + model);
        }
        AdapterMerge.Result[] result = new AdapterMerge.Result[1];
        OutputDirectory.write(out, force, dir -> {
            result[0] = AdapterMerge.writeInto(model, adapter, dir);
            OutputDirectory.copyIfPresent(model, dir, OutputDirectory.TOKENIZER_FILES);
        });
        spec.commandLine().getOut().printf("merged %d adapted weights into %s (%s); load it with "
                + "AutoModelForCausalLM.from_pretrained(\"%s\")%n", result[0].sites(), out, result[0].dtype(), out);
        return 0;
    }
}
