package dev.heterolora.trainer;

/**
 * Receives a trainer's figures one record at a time, as they are produced (DJL's {@code TrainingListener} idea, cut
 * down to the one event this project needs). The records are small immutable values read off the device, so a
 * listener can keep them, print them or store them without touching an {@code NDArray}; progress bars, result
 * summaries and the study database are all listeners.
 *
 * @param <R> the record type: an update of {@link TrainLoop}, or a whole PPO step
 */
@FunctionalInterface
public interface StepListener<R> {

    /** Called once per record, in order, after the step's arrays are closed. */
    void onStep(R record);

    /** This listener, then {@code next}. */
    default StepListener<R> andThen(StepListener<? super R> next) {
        return r -> {
            onStep(r);
            next.onStep(r);
        };
    }
}
