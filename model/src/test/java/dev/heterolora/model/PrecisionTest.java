package dev.heterolora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrecisionTest {

    /**
     * A scalar whose array is closed and garbage-collected before the backward pass (a layer scope closes before
     * it), with the freed memory reused, must not change the gradient: PyTorch owns its storage.
     */
    @Test
    void scalarsSurviveTheirScopeAndAGarbageCollectionBeforeBackward() {
        for (int trial = 0; trial < 10; trial++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.ones(new Shape(4));
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y;
                    try (NDManager layer = m.newSubManager()) {
                        x.tempAttach(layer);
                        y = x.mul(Precision.scalar(x, 3)).sum();
                        y.attach(m);
                    }
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

    /** fp16 ↔ fp32 casts keep the graph: the gradient reaches an fp16 leaf through both, in its own dtype. */
    @Test
    void castsKeepTheGraphAndPlainCastsWouldNot() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3}).toType(DataType.FLOAT16, false);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray wide = Precision.widen(x);
                assertThat(wide.getDataType()).isEqualTo(DataType.FLOAT32);
                NDArray back = Precision.narrow(wide.mul(wide), DataType.FLOAT16);
                assertThat(back.getDataType()).isEqualTo(DataType.FLOAT16);
                gc.backward(Precision.widen(back).sum());
            }
            assertThat(x.getGradient().getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(x.getGradient().toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(2f, 4f, 6f);
            NDArray f = m.create(new float[] {1, 2});
            assertThat(Precision.widen(f)).isSameAs(f);
            assertThat(Precision.narrow(f, DataType.FLOAT32)).isSameAs(f);
        }
    }
}
