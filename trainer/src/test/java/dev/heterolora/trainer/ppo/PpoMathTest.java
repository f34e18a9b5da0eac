package dev.heterolora.trainer.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Divergences, GAE, masked whitening and the clipped losses against hand-computed values. */
class PpoMathTest {
    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    private NDArray row(float... v) {
        return m.create(v, new Shape(1, v.length));
    }

    @Test
    void perTokenDivergences() {
        double lp = Math.log(0.5);
        double lq = Math.log(0.2);
        NDArray p = row((float) lp, (float) lq);
        NDArray q = row((float) lq, (float) lp);
        double k1 = lp - lq;
        assertThat(Regulariser.KL.perToken(p, q).toFloatArray()).containsExactly(new float[] {(float) k1,
            (float) -k1}, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(Regulariser.CLAMPED_KL.perToken(p, q).toFloatArray()[1]).isZero();
        assertThat((double) Regulariser.K2.perToken(p, q).toFloatArray()[1]).isCloseTo(0.5 * k1 * k1, within(1e-6));
        assertThat((double) Regulariser.K3.perToken(p, q).toFloatArray()[0])
                .isCloseTo(Math.exp(-k1) - 1 + k1, within(1e-6));
        double logm = Math.log(0.35);
        double js = 0.5 * (Math.max(lp - logm, 0) + Math.max(lq - logm, 0));
        float[] got = Regulariser.JS.perToken(p, q).toFloatArray();
        assertThat((double) got[0]).isCloseTo(js, within(1e-6));
        assertThat((double) got[1]).isCloseTo(js, within(1e-6));
        assertThat(Regulariser.NONE.perToken(p, q).toFloatArray()).containsOnly(0f);
    }

    @Test
    void exactDivergencesOverTheVocabulary() {
        double[] pv = {0.7, 0.2, 0.1};
        double[] qv = {0.2, 0.5, 0.3};
        NDArray lp = m.create(new float[] {(float) Math.log(pv[0]), (float) Math.log(pv[1]), (float) Math.log(pv[2])},
                new Shape(1, 1, 3));
        NDArray lq = m.create(new float[] {(float) Math.log(qv[0]), (float) Math.log(qv[1]), (float) Math.log(qv[2])},
                new Shape(1, 1, 3));
        double kl = 0;
        double js = 0;
        for (int i = 0; i < 3; i++) {
            double mid = 0.5 * (pv[i] + qv[i]);
            kl += pv[i] * Math.log(pv[i] / qv[i]);
            js += 0.5 * pv[i] * Math.log(pv[i] / mid) + 0.5 * qv[i] * Math.log(qv[i] / mid);
        }
        assertThat((double) Regulariser.KL_EXACT.exact(lp, lq).getFloat(0, 0)).isCloseTo(kl, within(1e-6));
        assertThat((double) Regulariser.JS_EXACT.exact(lp, lq).getFloat(0, 0)).isCloseTo(js, within(1e-6));
        assertThat(Regulariser.JS_EXACT.exact(lp, lp).getFloat(0, 0)).isCloseTo(0f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void gaeMatchesTheBackwardRecursionAndIgnoresPadding() {
        float[] r = {0.1f, -0.2f, 0.5f, 1.0f, 9f};
        float[] v = {0.3f, 0.1f, -0.4f, 0.2f, 7f};
        float[] mask = {1, 1, 1, 1, 0};
        double gamma = 0.9;
        double lambda = 0.8;
        double[] expected = new double[4];
        double next = 0;
        double adv = 0;
        for (int t = 3; t >= 0; t--) {
            double delta = r[t] + gamma * next - v[t];
            adv = delta + gamma * lambda * adv;
            expected[t] = adv;
            next = v[t];
        }
        NDArray[] out = PpoMath.gae(row(r), row(v), row(mask), gamma, lambda);
        float[] a = out[0].toFloatArray();
        float[] ret = out[1].toFloatArray();
        for (int t = 0; t < 4; t++) {
            assertThat((double) a[t]).isCloseTo(expected[t], within(1e-5));
            assertThat((double) ret[t]).isCloseTo(expected[t] + v[t], within(1e-5));
        }
        assertThat(a[4]).isZero();
        assertThat(ret[4]).isZero();
    }

    @Test
    void whiteningUsesOnlyRealTokens() {
        NDArray x = m.create(new float[] {1, 2, 3, 100, 4, 6, 100, 100}, new Shape(2, 4));
        NDArray mask = m.create(new float[] {1, 1, 1, 0, 1, 1, 0, 0}, new Shape(2, 4));
        float[] w = PpoMath.whiten(x, mask, true).toFloatArray();
        double mean = (1 + 2 + 3 + 4 + 6) / 5.0;
        double var = (Math.pow(1 - mean, 2) + Math.pow(2 - mean, 2) + Math.pow(3 - mean, 2) + Math.pow(4 - mean, 2)
                + Math.pow(6 - mean, 2)) / 5;
        assertThat((double) w[0]).isCloseTo((1 - mean) / Math.sqrt(var), within(1e-5));
        assertThat(w[3]).isZero();
        float[] keep = PpoMath.whiten(x, mask, false).toFloatArray();
        assertThat((double) keep[4]).isCloseTo((4 - mean) / Math.sqrt(var) + mean, within(1e-5));
        assertThat(PpoMath.maskedMean(PpoMath.whiten(x, mask, true), mask).getFloat()).isCloseTo(0f,
                org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void clippedPolicyAndValueLosses() {
        NDArray logp = row((float) Math.log(1.5), (float) Math.log(0.5), 0f);
        NDArray old = row(0f, 0f, 0f);
        NDArray adv = row(1f, 1f, -2f);
        NDArray mask = row(1f, 1f, 0f);
        PpoMath.PolicyLoss pl = PpoMath.policyLoss(logp, old, adv, mask, 0.2);
        // token 0: ratio 1.5 → clipped 1.2 (advantage +1): max(−1.5, −1.2) = −1.2; token 1: ratio 0.5: max(−0.5, −0.8)
        assertThat((double) pl.loss().getFloat()).isCloseTo((-1.2 - 0.5) / 2, within(1e-6));
        assertThat((double) pl.clipFraction().getFloat()).isCloseTo(0.5, within(1e-6));
        double d0 = Math.log(1.5);
        double d1 = Math.log(0.5);
        assertThat((double) pl.approxKl().getFloat()).isCloseTo(0.5 * (d0 * d0 + d1 * d1) / 2, within(1e-6));

        NDArray values = row(1.0f, 0.0f, 5f);
        NDArray oldValues = row(0.5f, 0.1f, 0f);
        NDArray returns = row(0.0f, 0.0f, 0f);
        // token 0: unclipped (1−0)² = 1, clipped 0.5+0.2 = 0.7 → 0.49: max 1; token 1: 0 vs (0.1−0.1)² = 0 → 0
        assertThat((double) PpoMath.valueLoss(values, oldValues, returns, mask, 0.2).getFloat())
                .isCloseTo(0.5 * (1 + 0) / 2, within(1e-6));
    }

    @Test
    void adaptiveKlControllerFollowsTheTarget() {
        KlController c = KlController.adaptive(0.1, 6, 10000);
        c.update(12, 100);
        assertThat(c.beta()).isCloseTo(0.1 * (1 + 0.2 * 100 / 10000.0), within(1e-12));
        c = KlController.adaptive(0.1, 6, 10000);
        c.update(3, 100);
        assertThat(c.beta()).isCloseTo(0.1 * (1 - 0.2 * 100 / 10000.0), within(1e-12));
        KlController f = KlController.fixed(0.02);
        f.update(100, 100);
        assertThat(f.beta()).isEqualTo(0.02);
    }
}
