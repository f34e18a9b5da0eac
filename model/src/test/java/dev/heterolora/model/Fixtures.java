package dev.heterolora.model;

import ai.djl.ndarray.types.Shape;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.SplittableRandom;

/** Locates the HuggingFace reference fixtures copied into the test resources. */
final class Fixtures {
    private Fixtures() {}

    static Path hf(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/hf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ||a - b|| / ||b||. */
    static double relativeError(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " != " + b.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num) / Math.sqrt(den);
    }

    /** Replaces every adapter's B by N(0, 0.1²) draws from {@code seed} (B = 0 hides A's gradients and effects). */
    static void randomiseB(CausalLM model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (LoraAdapter a : new ArrayList<>(model.adapters().values())) {
            Shape s = a.b().getArray().getShape();
            float[] b = new float[(int) s.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (rng.nextGaussian() * 0.1);
            }
            model.putAdapter(a.site(), a.shape(), a.a().getArray().duplicate(), model.manager().create(b, s), 0f);
        }
    }
}
