package dev.heterolora.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalarsTest {

    /** A GC between forward and backward, with the freed memory reused, must not change the gradient. */
    @Test
    void scopedScalarsSurviveAGarbageCollectionBeforeBackward() {
        for (int trial = 0; trial < 10; trial++) {
            try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
                NDArray x = m.ones(new Shape(4));
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = x.mul(Scalars.of(x, 3)).sum();
                    System.gc();
                    List<ByteBuffer> junk = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        junk.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
                    }
                    gc.backward(y);
                    assertThat(junk).hasSize(2000);
                }
                assertThat(x.getGradient().toFloatArray()).containsOnly(3f);
            }
        }
    }
}
