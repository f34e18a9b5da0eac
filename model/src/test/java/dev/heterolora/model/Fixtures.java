package dev.heterolora.model;

import java.net.URISyntaxException;
import java.nio.file.Path;

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
}
