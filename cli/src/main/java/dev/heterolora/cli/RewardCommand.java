package dev.heterolora.cli;

import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.core.ModelConfig;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.PairExample;
import dev.heterolora.trainer.RewardModel;
import dev.heterolora.trainer.RewardTrainer;
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

/** {@code heterolora reward}: a Bradley–Terry reward model on prompt/chosen/rejected JSONL. */
@Command(name = "reward", description = "Train a reward model (scalar head on the last token, Bradley-Terry loss) on "
        + "{\"prompt\",\"chosen\",\"rejected\"} JSONL; LoRA or full; writes HF layout + reward_head.safetensors.")
final class RewardCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Option(names = "--pairs", paramLabel = "FILE.jsonl", required = true, description = "preference pairs")
    Path pairs;

    @Option(names = "--held-out", paramLabel = "FILE.jsonl", description = "pairs to measure accuracy on")
    Path heldOut;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path dir = model.modelDir();
        ModelConfig config = ModelConfig.read(dir);
        Tuning tuning = training.tuning(config);
        try (HfTokenCodec codec = HfTokenCodec.load(dir, config);
             RewardModel rm = RewardModel.withFreshHead(HfCheckpoint.load(dir, model.compute()), training.seed)) {
            List<PairExample> train = TrainingData.pairs(pairs, codec);
            List<PairExample> test = heldOut == null ? List.of() : TrainingData.pairs(heldOut, codec);
            RewardTrainer.Result r = new RewardTrainer(rm, tuning, training.settings()).train(train);
            rm.save(training.out, dir, training.force);
            TrainerState.ofUpdates(training.out, r.steps(), training.settings().batchSize(),
                    step -> Map.of("accuracy", (double) step.accuracy())).write();
            var o = spec.commandLine().getOut();
            o.printf("trained %d steps in %.1f s: loss %.4f → %.4f, train accuracy (last steps) %.3f%n",
                    r.losses().length, r.seconds(), r.losses()[0], r.meanLossOfLast(10), r.meanAccuracyOfLast(10));
            if (!test.isEmpty()) {
                o.printf("held-out pairwise accuracy %.3f on %d pairs%n", rm.pairwiseAccuracy(test, 32), test.size());
            }
            o.printf("wrote %s%n", training.out);
        }
        return 0;
    }
}
