package dev.heterolora.model.io;

import dev.heterolora.core.HeteroloraException;

/**
 * The check that weights read from disk are finite numbers.
 *
 * <p>It exists because a NaN or infinite weight does not fail anywhere on its own: it turns every loss into NaN,
 * and a search or a training run then goes on to "finish" with meaningless figures. One pass over each tensor as it
 * is read (the data is in hand anyway) names the culprit instead.
 */
public final class Finite {
    private Finite() {}

    /**
     * Returns {@code values} when every element is finite.
     *
     * @param what how to name the tensor in the error, e.g. {@code tensor 'x' in /models/m}
     * @throws HeteroloraException naming the tensor and the first bad element otherwise
     */
    public static float[] require(String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new HeteroloraException(what + " holds " + (Float.isNaN(values[i]) ? "NaN" : "infinite")
                        + " values (first at element " + i + " of " + values.length + ")");
            }
        }
        return values;
    }
}
