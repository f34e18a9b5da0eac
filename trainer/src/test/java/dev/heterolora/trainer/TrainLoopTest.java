package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.heterolora.core.HeteroloraException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TrainLoopTest {

    /** An update's record in these tests. */
    private record Fit(int step, float loss, double gradNorm, int rows) implements TrainLoop.Update {}

    /** A one-weight problem: the loss is a function of d = target − w over the batch's rows; w starts at 0. */
    private record Problem(Parameter w, float[] targets) {
        static Problem of(NDManager m, float... targets) {
            Parameter w = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
            w.setArray(m.zeros(new Shape(1)));
            w.freeze(false);
            return new Problem(w, targets);
        }

        TrainLoop.Objective<Fit> objective(UnaryOperator<NDArray> lossOfD) {
            return (scope, rows) -> {
                float[] picked = new float[rows.size()];
                for (int i = 0; i < picked.length; i++) {
                    picked[i] = targets[rows.get(i)];
                }
                NDArray loss = lossOfD.apply(scope.create(picked).sub(w.getArray()));
                return new TrainLoop.Loss<>() {
                    @Override
                    public NDArray value() {
                        return loss;
                    }

                    @Override
                    public Fit record(int update, float value, double gradNorm) {
                        return new Fit(update, value, gradNorm, rows.size());
                    }
                };
            };
        }
    }

    private static NDArray squares(NDArray d) {
        return d.square().sum();
    }

    @Test
    void everyUpdateReachesTheListenerInOrderAndLeavesNoArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            Problem q = Problem.of(m, 1f, 2f, 3f, 4f, 5f);
            int before = ((BaseNDManager) m).getManagedArrays().size();
            List<Fit> fits = new ArrayList<>();
            try (AdamW opt = new AdamW(List.of(q.w()), AdamW.Settings.withWeightDecay(0))) {
                new TrainLoop(m, opt, 1.0, "step ").run(7, new BatchOrder(5, 2, 3), u -> 0.1, q.objective(TrainLoopTest::squares),
                        fits::add);
                assertThat(opt.stepCount()).isEqualTo(7);
            }
            assertThat(fits).extracting(Fit::step).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat(fits).extracting(Fit::rows).containsExactly(2, 2, 1, 2, 2, 1, 2);
            assertThat(fits.get(6).loss()).isLessThan(fits.get(0).loss());
            assertThat(AdamW.gradientNorm(List.of(q.w()))).isZero();
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void aNonFiniteLossStopsBeforeTheBackwardPassAndTheWeightsStay() {
        assertStopsWithoutAStep(d -> squares(d).add(Float.NaN), "PPO step 4, update ",
                "non-finite loss at PPO step 4, update 1 (NaN)");
    }

    @Test
    void aNonFiniteGradientNormStopsBeforeTheStep() {
        // √|d| is 0 at d = 0, where its slope is not finite
        assertStopsWithoutAStep(d -> d.abs().sqrt().sum(), "step ", "non-finite gradient norm at step 1");
    }

    private static void assertStopsWithoutAStep(UnaryOperator<NDArray> lossOfD, String where, String message) {
        try (NDManager m = NDManager.newBaseManager()) {
            Problem q = Problem.of(m, 0f, 0f);
            try (AdamW opt = new AdamW(List.of(q.w()), AdamW.Settings.withWeightDecay(0))) {
                assertThatThrownBy(() -> new TrainLoop(m, opt, 1.0, where).run(2, new BatchOrder(2, 1, 1),
                        u -> 0.1, q.objective(lossOfD), fit -> { }))
                        .isInstanceOf(HeteroloraException.class).hasMessageStartingWith(message);
                assertThat(opt.stepCount()).isZero();
            }
            assertThat(q.w().getArray().toFloatArray()).containsExactly(0f);
            assertThat(AdamW.gradientNorm(List.of(q.w()))).isZero();
        }
    }

    @Test
    void reshufflingOrderIsCollectionsShuffleOfThePreviousEpoch() {
        List<Integer> expected = new ArrayList<>();
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6));
        Random rng = new Random(42);
        for (int epoch = 0; epoch < 3; epoch++) {
            Collections.shuffle(order, rng);
            expected.addAll(order);
        }
        BatchOrder batches = BatchOrder.reshuffling(7, 3, new Random(42));
        assertThat(batches.batchesPerPass()).isEqualTo(3);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 3 * batches.batchesPerPass(); i++) {
            got.addAll(batches.next());
        }
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void freshOrderPermutesEveryPassAndDependsOnlyOnTheSeed() {
        BatchOrder a = new BatchOrder(10, 4, 9);
        BatchOrder b = new BatchOrder(10, 4, 9);
        for (int pass = 0; pass < 3; pass++) {
            List<Integer> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<Integer> batch = a.next();
                assertThat(b.next()).isEqualTo(batch);
                seen.addAll(batch);
            }
            assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }
}
