package dev.heterolora.cli;

import dev.heterolora.model.CausalLM;
import dev.heterolora.core.HeteroloraException;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.SftExample;
import dev.heterolora.trainer.SftTrainer;
import dev.heterolora.trainer.TrainerState;
import dev.heterolora.trainer.TrainingData;
import dev.heterolora.trainer.Tuning;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heterolora sft}: supervised fine-tuning on prompt/response JSONL, LoRA by plan or full. */
@Command(name = "sft", description = "Supervised fine-tuning on {\"prompt\",\"response\"} JSONL with LoRA (--plan, "
        + "--uniform-rank) or all weights (--full); writes HF/PEFT layout, trainer_state.json and metrics.csv.")
final class SftCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Option(names = "--data", paramLabel = "FILE.jsonl", required = true, description = "demonstrations")
    Path data;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path dir = model.modelDir();
        ModelConfig config = ModelConfig.read(dir);
        Tuning tuning = training.tuning(config);
        try (HfTokenCodec codec = HfTokenCodec.load(dir, config); CausalLM lm = HfCheckpoint.load(dir, model.compute())) {
            List<SftExample> examples = TrainingData.sft(data, codec);
            if (examples.isEmpty()) {
                throw new HeteroloraException(data + " has no examples");
            }
            SftTrainer trainer = new SftTrainer(lm, tuning, training.settings());
            SftTrainer.Result r = trainer.train(examples);
            SftTrainer.save(lm, tuning, training.out, dir, dir.toAbsolutePath().toString(), training.force);
            TrainerState.ofUpdates(training.out, r.steps(), training.settings().batchSize(),
                    step -> Map.of("targets", (double) step.targets())).write();
            spec.commandLine().getOut().printf("trained %d steps in %.1f s: loss %.4f → %.4f; wrote %s%n",
                    r.losses().length, r.seconds(), r.losses()[0], r.meanOfLast(10), training.out);
        }
        return 0;
    }
}
