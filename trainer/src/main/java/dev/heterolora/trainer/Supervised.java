package dev.heterolora.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What SFT and reward-model training share around {@link TrainLoop}, so each trainer is only its loss: the
 * parameters its {@link Tuning} prepared, a fresh AdamW per run with the settings' weight decay,
 * {@link TrainSettings#totalSteps} updates over the examples in the order of this instance's seed, the warm-up +
 * cosine schedule, and a progress bar.
 */
final class Supervised {
    private final NDManager home;
    private final List<Parameter> parameters;
    private final TrainSettings settings;
    private final String task;

    /**
     * @param home the trained model's manager (the loop's scopes open under it)
     * @param task the progress bar's name
     */
    Supervised(NDManager home, List<Parameter> parameters, TrainSettings settings, String task) {
        this.home = home;
        this.parameters = parameters;
        this.settings = settings;
        this.task = task;
    }

    List<Parameter> parameters() {
        return parameters;
    }

    TrainSettings settings() {
        return settings;
    }

    /**
     * Trains on {@code examples} items; returns every update's record, which also goes to {@code listener} and, as
     * {@code progress} words it, beside the bar.
     */
    <R> List<R> train(int examples, TrainLoop.Objective<R> objective, Function<? super R, String> progress,
                      StepListener<? super R> listener) {
        int total = settings.totalSteps(examples);
        List<R> records = new ArrayList<>(total);
        try (AdamW optimizer = new AdamW(parameters, AdamW.Settings.withWeightDecay(settings.weightDecay()));
             Progress bar = Progress.start(task, total, settings.progress())) {
            StepListener<R> keep = records::add;
            new TrainLoop(home, optimizer, settings.maxGradNorm(), "step ").run(total,
                    new BatchOrder(examples, settings.batchSize(), settings.seed()),
                    u -> settings.learningRateAt(u, total), objective,
                    keep.andThen(listener).andThen(r -> bar.step(progress.apply(r))));
        }
        return List.copyOf(records);
    }
}
