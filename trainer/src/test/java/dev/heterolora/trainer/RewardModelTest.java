package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.heterolora.core.AdapterPlan;
import dev.heterolora.model.CausalLM;
import dev.heterolora.model.ComputeSettings;
import dev.heterolora.core.HeteroloraException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelTest {

    /**
     * Separable toy preferences: the same random prompt, the chosen response ends in "good" token 5, the rejected
     * one in "bad" token 6, with random filler of different lengths before it.
     */
    static List<PairExample> toyPairs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<PairExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = {TinyModels.BOS, 7 + rng.nextInt(8), 7 + rng.nextInt(8)};
            out.add(new PairExample(TokenCodec.concat(prompt, response(rng, 5)),
                    TokenCodec.concat(prompt, response(rng, 6))));
        }
        return out;
    }

    private static int[] response(SplittableRandom rng, int marker) {
        int len = 1 + rng.nextInt(4);
        int[] r = new int[len + 2];
        for (int i = 0; i < len; i++) {
            r[i] = 7 + rng.nextInt(8);
        }
        r[len] = marker;
        r[len + 1] = TinyModels.EOS;
        return r;
    }

    @Test
    void bradleyTerryLossIsMinusLogSigmoidOfTheMargin() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray c = m.create(new float[] {2f, 0f, -30f, 40f});
            NDArray r = m.create(new float[] {1f, 0f, 10f, -10f});
            float[] l = RewardTrainer.bradleyTerry(c, r).toFloatArray();
            assertThat((double) l[0]).isCloseTo(Math.log1p(Math.exp(-1)), within(1e-6));
            assertThat((double) l[1]).isCloseTo(Math.log(2), within(1e-6));
            assertThat((double) l[2]).isCloseTo(40.0, within(1e-4)); // no overflow
            assertThat((double) l[3]).isCloseTo(0.0, within(1e-6));
        }
    }

    @Test
    void lastTokenIsFoundWithPaddingOnEitherSide() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray values = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, new Shape(3, 3));
            NDArray mask = m.create(new long[] {1, 1, 0, 0, 1, 1, 1, 1, 1}, new Shape(3, 3));
            assertThat(ScalarHead.atLastToken(values, mask).toFloatArray()).containsExactly(2, 6, 9);
        }
    }

    @Test
    void fullTrainingLearnsSeparablePreferences() {
        List<PairExample> train = toyPairs(256, 1);
        List<PairExample> heldOut = toyPairs(128, 2);
        try (RewardModel rm = RewardModel.withFreshHead(TinyModels.model(16, 3), 5)) {
            double chance = rm.pairwiseAccuracy(heldOut, 64);
            RewardTrainer.Result r = new RewardTrainer(rm, new Tuning.Full(),
                    SftTrainerTest.quick(60).withLearningRate(3e-3)).train(train);
            assertThat(r.meanLossOfLast(10)).isLessThan(0.5 * r.losses()[0]);
            assertThat(rm.pairwiseAccuracy(heldOut, 64)).isGreaterThan(0.9).isGreaterThan(chance);
        }
    }

    @Test
    void loraTrainingBeatsChanceAndRoundTrips(@TempDir Path tmp) throws Exception {
        List<PairExample> train = toyPairs(256, 1);
        List<PairExample> heldOut = toyPairs(128, 2);
        try (RewardModel rm = RewardModel.withFreshHead(TinyModels.model(16, 3), 5)) {
            AdapterPlan plan = AdapterPlan.uniform(rm.backbone().config().sites(false), 4, 8);
            RewardTrainer.Result r = new RewardTrainer(rm, new Tuning.Lora(plan, 0f),
                    SftTrainerTest.quick(60).withLearningRate(1e-2)).train(train);
            assertThat(r.meanLossOfLast(10)).isLessThan(r.losses()[0]);
            double acc = rm.pairwiseAccuracy(heldOut, 64);
            assertThat(acc).isGreaterThan(0.75);

            Files.writeString(tmp.resolve("tokenizer.json"), "{}");
            Path dir = tmp.resolve("rm");
            rm.save(dir, tmp, false);
            assertThat(dir.resolve(RewardModel.HEAD_FILE)).exists();
            assertThat(dir.resolve("config.json")).exists();
            assertThat(dir.resolve("adapter/adapter_config.json")).exists();
            List<int[]> rows = heldOut.stream().map(PairExample::chosen).toList();
            float[] expected = rm.score(rows, 32);
            try (RewardModel back = RewardModel.load(dir, ComputeSettings.cpu())) {
                assertThat(back.score(rows, 7)).containsExactly(expected, within(1e-5f));
            }
        }
    }

    @Test
    void loadRefusesADirectoryWithoutHead(@TempDir Path tmp) {
        assertThatThrownBy(() -> RewardModel.load(tmp, ComputeSettings.cpu()))
                .isInstanceOf(HeteroloraException.class).hasMessageContaining("no reward_head.safetensors");
    }
}
