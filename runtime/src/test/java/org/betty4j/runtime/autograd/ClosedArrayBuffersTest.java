package org.betty4j.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DJL 0.36 frees the memory of {@code x.mul(3.0)}'s scalar operand when a garbage collection
 * runs after the multiplication, although the graph still reads it in the backward pass (see
 * {@link ClosedArrayBuffers}). Each trial forces that collection and reuses freed direct memory
 * between the forward and the backward pass; without the workaround most gradients of
 * {@code (3x).sum()} come out wrong (148 of 200 in a first measurement: 1.7e-313, 2708, …; here trial 0 already fails).
 */
public class ClosedArrayBuffersTest {

    /** Frees unreachable direct buffers and fills freed memory with other values. */
    public static void collectAndReuseDirectMemory() {
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            b.putDouble(0, 1000.0 + i);
            junk.add(b);
        }
    }

    @Test
    void aStepManagerKeepsClosedScalarsReadableForTheBackwardPass() {
        assertTrue(ClosedArrayBuffers.available(), "the workaround must install with this DJL version");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new double[] {1, 2, 3});
            x.setRequiresGradient(true);
            for (int trial = 0; trial < 50; trial++) {
                try (NDManager step = m.newSubManager(); GradientCollector gc = m.getEngine().newGradientCollector()) {
                    ClosedArrayBuffers.retainUntilClosed(step);
                    x.tempAttach(step);
                    NDArray y = x.mul(3.0).sum();
                    collectAndReuseDirectMemory();
                    double[] g = Autograd.get().grad(y, new NDList(x), false).get(0).toDoubleArray();
                    assertArrayEquals(new double[] {3, 3, 3}, g, 0.0, "trial " + trial);
                }
            }
        }
    }
}
