package dev.heterolora.cli;

import dev.heterolora.model.CausalLM;
import dev.heterolora.model.Generator;
import dev.heterolora.model.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora generate}: continue one or more prompts with a model (and adapter), KV-cached. */
@Command(name = "generate", description = "Continue prompts with a model, optionally with a PEFT adapter "
        + "(greedy unless --temperature > 0).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "adapter folder in PEFT layout")
    Path adapter;

    @Option(names = "--prompt", required = true, description = "prompt text (repeat for a batch)")
    List<String> prompts;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "1 = off (default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (TextTokenizer tok = TextTokenizer.load(model.modelDir()); CausalLM lm = model.load(adapter)) {
            Generator.Settings settings = new Generator.Settings(maxNewTokens, temperature, topK, topP, seed,
                    lm.config().eosTokenId());
            List<int[]> ids = new ArrayList<>();
            prompts.forEach(p -> ids.add(tok.encode(p)));
            List<int[]> outs = Generator.generate(lm, ids, settings);
            for (int i = 0; i < prompts.size(); i++) {
                spec.commandLine().getOut().println(prompts.get(i) + tok.decode(outs.get(i)));
            }
        }
        return 0;
    }
}
