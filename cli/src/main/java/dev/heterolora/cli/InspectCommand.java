package dev.heterolora.cli;

import dev.heterolora.app.Json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heterolora.core.AdapterSite;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.core.SiteKind;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.model.io.SafeTensorCheckpoint;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code heterolora inspect}: what a model is and where adapters can go, without loading it onto a device. The
 * checkpoint's headers are checked against config.json (every implied tensor present, with its shape) as loading
 * checks them; the weights' values are not read.
 */
@Command(name = "inspect", description = "Show a model's family, sizes, parameter count and adapter sites.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig c = ModelConfig.read(model.modelDir());
        long stored;
        int tensors;
        try (SafeTensorCheckpoint ckpt = SafeTensorCheckpoint.open(model.modelDir())) {
            HfCheckpoint.verify(c, ckpt);
            tensors = ckpt.names().size();
            stored = ckpt.names().stream().mapToLong(n -> ckpt.entry(n).elementCount()).sum();
        }
        List<AdapterSite> sites = c.sites(true);
        Map<SiteKind, Integer> perKind = new TreeMap<>();
        sites.forEach(s -> perKind.merge(s.kind(), 1, Integer::sum));
        var out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.object();
            o.put("family", c.family().modelType());
            o.put("layers", c.layers());
            o.put("hidden_size", c.hiddenSize());
            o.put("heads", c.heads());
            o.put("kv_heads", c.kvHeads());
            o.put("head_dim", c.headDim());
            o.put("intermediate_size", c.intermediateSize());
            o.put("vocab_size", c.vocabSize());
            o.put("tied_embeddings", c.tieWordEmbeddings());
            o.put("parameters", c.baseParameters());
            o.put("stored_parameters", stored);
            o.put("tensors", tensors);
            ArrayNode arr = o.putArray("sites");
            for (AdapterSite s : sites) {
                ModelConfig.SiteShape shape = c.siteShape(s.kind());
                arr.addObject().put("site", s.toString()).put("in", shape.in()).put("out", shape.out())
                        .put("shortcut", s.kind().isShortcut());
            }
            out.println(o);
            return 0;
        }
        out.printf("family            %s%n", c.family().modelType());
        out.printf("layers            %d%n", c.layers());
        out.printf("hidden size       %d%n", c.hiddenSize());
        out.printf("heads (kv)        %d (%d), head dim %d%n", c.heads(), c.kvHeads(), c.headDim());
        out.printf("intermediate size %d%n", c.intermediateSize());
        out.printf("vocabulary        %d%s%n", c.vocabSize(), c.tieWordEmbeddings() ? " (tied head)" : "");
        out.printf("parameters        %,d (%d tensors)%n", c.baseParameters(), tensors);
        out.printf("adapter sites     %d%n", sites.size());
        perKind.forEach((k, n) -> {
            ModelConfig.SiteShape s = c.siteShape(k);
            out.printf("  %-15s %3d × (%d → %d)%s%n", k.id(), n, s.in(), s.out(), k.isShortcut() ? "  shortcut" : "");
        });
        return 0;
    }
}
