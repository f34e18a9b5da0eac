package dev.heterolora.app;

import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.model.HfCheckpoint;
import dev.heterolora.trainer.HfTokenCodec;
import dev.heterolora.trainer.SftExample;
import dev.heterolora.trainer.SftTrainer;
import dev.heterolora.trainer.TrainSettings;
import dev.heterolora.trainer.TrainingData;
import dev.heterolora.trainer.Tuning;
import dev.heterolora.trainer.world.Demonstration;
import dev.heterolora.trainer.world.Task;
import dev.heterolora.trainer.world.TaskKind;
import dev.heterolora.trainer.world.WorldEvaluation;
import dev.heterolora.trainer.world.WorldFiles;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Short real trainings of adapter plans on a study's data, all with the same data order and seed: what validation,
 * the refine stage and the allocation experiment measure plans by. On the embedded world the held-out set is tasks
 * with an exact oracle (loss and accuracy, also per task kind); on a user's rows it is the last rows (loss only).
 */
public final class PlanTrials implements AutoCloseable {
    private final Path policyDir;
    private final ComputeSettings compute;
    private final HfTokenCodec codec;
    private final List<SftExample> train;
    private final List<SftExample> test;
    private final List<Task> tasks;

    /**
     * How a plan did.
     *
     * @param accuracy oracle accuracy (NaN without an oracle)
     */
    public record Result(double loss, double accuracy, Map<String, Double> lossByKind,
                         Map<String, Double> accuracyByKind, double seconds) {}

    private PlanTrials(Path policyDir, ComputeSettings compute, HfTokenCodec codec, List<SftExample> train,
                       List<SftExample> test, List<Task> tasks) {
        this.policyDir = policyDir;
        this.compute = compute;
        this.codec = codec;
        this.train = train;
        this.test = test;
        this.tasks = tasks;
    }

    /**
     * Trials on a study's data: the world's demonstrations judged on the first {@code heldOut} of {@code evalFile}'s
     * tasks, or the configuration's rows with the last {@code heldOut} (at most a fifth) held out ({@code evalFile}
     * unused).
     */
    public static PlanTrials of(SearchConfig config, Path evalFile, int heldOut, ComputeSettings compute) {
        Path policyDir = Path.of(config.modelPath());
        if (!config.dataFormat().equals(SearchConfig.DEMONSTRATIONS)) {
            // rows come tokenised; only the world's text data (and its oracle) needs the model's tokenizer
            List<int[]> rows = SearchJob.rows(config);
            int cut = Math.max(1, rows.size() - Math.min(heldOut, rows.size() / 5));
            List<SftExample> all = rows.stream().map(x -> new SftExample(new int[] {x[0]},
                    Arrays.copyOfRange(x, 1, x.length))).toList();
            return new PlanTrials(policyDir, compute, null, all.subList(0, cut), all.subList(cut, all.size()),
                    List.of());
        }
        HfTokenCodec codec = HfTokenCodec.load(policyDir, config.modelConfig());
        List<Task> tasks = WorldFiles.readEval(evalFile);
        tasks = tasks.subList(0, Math.min(heldOut, tasks.size()));
        return new PlanTrials(policyDir, compute, codec, TrainingData.sft(Path.of(config.dataPath()), codec),
                examples(codec, tasks), tasks);
    }

    /**
     * Trials that judge plans on data the search may look at: the last {@code heldOut} (at most a tenth) of the
     * training examples are held out and the rest is trained on, so choosing among plans by these losses never
     * touches the world's evaluation tasks (which {@link #of} and the experiments report).
     */
    public static PlanTrials validationSplit(SearchConfig config, int heldOut, ComputeSettings compute) {
        Path policyDir = Path.of(config.modelPath());
        if (!config.dataFormat().equals(SearchConfig.DEMONSTRATIONS)) {
            return of(config, null, heldOut, compute);
        }
        HfTokenCodec codec = HfTokenCodec.load(policyDir, config.modelConfig());
        List<SftExample> all = TrainingData.sft(Path.of(config.dataPath()), codec);
        int cut = all.size() - Math.max(1, Math.min(heldOut, all.size() / 10));
        return new PlanTrials(policyDir, compute, codec, all.subList(0, cut), all.subList(cut, all.size()), List.of());
    }

    /** The world's evaluation file next to a configuration's demonstrations. */
    public static Path worldEval(SearchConfig config) {
        return Path.of(config.dataPath()).resolveSibling(WorldFiles.EVAL);
    }

    /** Trains {@code plan} from the base model with {@code settings} and judges it on the held-out set. */
    public Result train(AdapterPlan plan, TrainSettings settings) {
        long start = System.nanoTime();
        try (CausalLM lm = HfCheckpoint.load(policyDir, compute)) {
            new SftTrainer(lm, new Tuning.Lora(plan, 0f), settings).train(train);
            double loss = SftTrainer.evaluate(lm, test, 64, settings.maxLength());
            Map<String, Double> lossByKind = new LinkedHashMap<>();
            Map<String, Double> accuracyByKind = new LinkedHashMap<>();
            double accuracy = Double.NaN;
            if (!tasks.isEmpty()) {
                WorldEvaluation eval = WorldEvaluation.run(lm, codec, tasks, 0, settings.seed(), 16, 128);
                accuracy = eval.accuracy();
                for (TaskKind kind : TaskKind.values()) {
                    List<Task> of = tasks.stream().filter(t -> t.kind() == kind).toList();
                    if (!of.isEmpty()) {
                        lossByKind.put(kind.jsonName(), SftTrainer.evaluate(lm, examples(codec, of), 64,
                                settings.maxLength()));
                        accuracyByKind.put(kind.jsonName(), eval.accuracyByKind().getOrDefault(kind, Double.NaN));
                    }
                }
            }
            return new Result(loss, accuracy, lossByKind, accuracyByKind, (System.nanoTime() - start) / 1e9);
        }
    }

    /** SFT settings for a short trial: warm-up a fifth of the steps (at most 10), no progress bar. */
    public static TrainSettings settings(int steps, double learningRate, int batchSize, long seed) {
        return TrainSettings.defaults().withLearningRate(learningRate).withBatchSize(batchSize).withSteps(steps)
                .withWarmup(Math.min(10, steps / 5)).withSeed(seed).withProgress(false);
    }

    private static List<SftExample> examples(HfTokenCodec codec, List<Task> tasks) {
        return tasks.stream().map(t -> SftExample.of(codec, new Demonstration(t.prompt(), t.answer() + "."))).toList();
    }

    @Override
    public void close() {
        if (codec != null) {
            codec.close();
        }
    }
}
