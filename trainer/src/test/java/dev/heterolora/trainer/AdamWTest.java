package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {

    private static Parameter param(NDManager m, String name, float[] v, Shape shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(m.create(v, shape));
        p.freeze(false);
        return p;
    }

    /** loss = Σ c·w² over both parameters, so dL/dw = 2·c·w. */
    private static void backward(NDManager m, List<Parameter> ps, float[][] c) {
        try (NDManager step = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (int i = 0; i < ps.size(); i++) {
                NDArray ci = step.create(c[i], ps.get(i).getArray().getShape());
                NDArray term = ci.mul(ps.get(i).getArray()).mul(ps.get(i).getArray()).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    /**
     * libtorch's grad mode is per thread and DJL turns it off only on the thread that started the engine: a step taken
     * on another thread (a test's timeout thread, a worker pool) failed with "a leaf Variable that requires grad is
     * being used in an in-place operation".
     */
    @Test
    void aStepOnAnotherThreadUpdatesTheParameter() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = param(m, "w", new float[] {1f, -2f}, new Shape(2));
            Throwable[] failure = new Throwable[1];
            Thread other = new Thread(() -> {
                try (AdamW opt = new AdamW(List.of(w), new AdamW.Settings(0.9, 0.999, 1e-8, 0))) {
                    backward(m, List.of(w), new float[][] {{1f, 1f}});
                    opt.step(0.1);
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            other.start();
            other.join();
            assertThat(failure[0]).isNull();
            // Adam's first step moves each weight by lr against the sign of its gradient (2w)
            assertThat(w.getArray().toFloatArray()).containsExactly(new float[] {0.9f, -1.9f}, within(1e-5f));
        }
    }

    @Test
    void twoStepsMatchHandComputedUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = {1.0f, -2.0f, 0.5f, 3.0f};
            float[] b0 = {0.25f, -0.75f};
            float[][] c = {{0.5f, -1.0f, 2.0f, 0.1f}, {1.0f, 3.0f}};
            Parameter w = param(m, "w", w0, new Shape(2, 2));
            Parameter b = param(m, "b", b0, new Shape(2));
            List<Parameter> ps = List.of(w, b);
            double lr = 0.1;
            double wd = 0.2;
            double b1 = 0.9;
            double b2 = 0.999;
            double eps = 1e-8;
            double[][] ref = {toDouble(w0), toDouble(b0)};
            double[][] mm = {new double[4], new double[2]};
            double[][] vv = {new double[4], new double[2]};
            try (AdamW opt = new AdamW(ps, new AdamW.Settings(b1, b2, eps, wd))) {
                for (int t = 1; t <= 2; t++) {
                    backward(m, ps, c);
                    opt.step(lr);
                    // the same update by hand, in doubles
                    for (int p = 0; p < 2; p++) {
                        for (int j = 0; j < ref[p].length; j++) {
                            double g = 2 * c[p][j] * ref[p][j];
                            mm[p][j] = b1 * mm[p][j] + (1 - b1) * g;
                            vv[p][j] = b2 * vv[p][j] + (1 - b2) * g * g;
                            if (p == 0) {
                                ref[p][j] *= 1 - lr * wd; // matrices only
                            }
                            double mh = mm[p][j] / (1 - Math.pow(b1, t));
                            double vh = vv[p][j] / (1 - Math.pow(b2, t));
                            ref[p][j] -= lr * mh / (Math.sqrt(vh) + eps);
                        }
                    }
                    float[] got = w.getArray().toFloatArray();
                    float[] gotB = b.getArray().toFloatArray();
                    for (int j = 0; j < 4; j++) {
                        assertThat((double) got[j]).as("w[%d] after step %d", j, t).isCloseTo(ref[0][j], within(1e-5));
                    }
                    for (int j = 0; j < 2; j++) {
                        assertThat((double) gotB[j]).as("b[%d] after step %d", j, t).isCloseTo(ref[1][j], within(1e-5));
                    }
                    // gradients were cleared by the step
                    assertThat(AdamW.gradientNorm(ps)).isZero();
                }
                assertThat(opt.stepCount()).isEqualTo(2);
            }
        }
    }

    @Test
    void frozenParametersAreLeftAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = param(m, "w", new float[] {1, 2}, new Shape(1, 2));
            Parameter f = param(m, "f", new float[] {3, 4}, new Shape(1, 2));
            f.freeze(true);
            try (AdamW opt = new AdamW(List.of(w, f), AdamW.Settings.withWeightDecay(0.5))) {
                backward(m, List.of(w), new float[][] {{1, 1}});
                opt.step(0.1);
            }
            assertThat(f.getArray().toFloatArray()).containsExactly(3, 4);
            assertThat(w.getArray().toFloatArray()[0]).isNotEqualTo(1f);
        }
    }

    @Test
    void clipGlobalNormScalesAllGradientsTogether() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter a = param(m, "a", new float[] {1, 1}, new Shape(2));
            Parameter b = param(m, "b", new float[] {1, 1, 1, 1}, new Shape(2, 2));
            List<Parameter> ps = List.of(a, b);
            // grads 2·c·w: a → (3, 4), b → (0, 0, 0, 12); global norm 13
            backward(m, ps, new float[][] {{1.5f, 2f}, {0, 0, 0, 6f}});
            assertThat(AdamW.gradientNorm(ps)).isCloseTo(13.0, within(1e-5));
            double before = AdamW.clipGlobalNorm(ps, 1.3);
            assertThat(before).isCloseTo(13.0, within(1e-5));
            assertThat(AdamW.gradientNorm(ps)).isCloseTo(1.3, within(1e-4));
            assertThat(a.getArray().getGradient().toFloatArray()).containsExactly(new float[] {0.3f, 0.4f}, within(1e-5f));
            // under the limit: untouched
            assertThat(AdamW.clipGlobalNorm(ps, 100)).isCloseTo(1.3, within(1e-4));
            assertThat(AdamW.gradientNorm(ps)).isCloseTo(1.3, within(1e-4));
            AdamW.zeroGradients(ps);
            assertThat(AdamW.gradientNorm(ps)).isZero();
        }
    }

    @Test
    void nanGradientsShowInTheNormAndCanBeCleared() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter a = param(m, "a", new float[] {1, 1}, new Shape(2));
            backward(m, List.of(a), new float[][] {{Float.NaN, 1}});
            assertThat(AdamW.gradientNorm(List.of(a))).isNaN();
            AdamW.zeroGradients(List.of(a));
            assertThat(AdamW.gradientNorm(List.of(a))).isZero();
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
