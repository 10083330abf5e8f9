package org.betty4j.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The low-precision linear against closed forms that tell the compute types apart:
 * x = 1 + 2⁻¹⁰ is exact in FLOAT16 and FLOAT32 but rounds to 1 in BFLOAT16 (8 significand
 * bits). With w = 1 and K = 4 inputs, y = K·x is 4 + 2⁻⁸ in FLOAT16 and FLOAT32 (exact) and
 * exactly 4 in BFLOAT16; the gradient of Σy with respect to w is Σ_batch x: N·(1 + 2⁻¹⁰), or
 * N in BFLOAT16. Everything Java sees stays FLOAT32.
 */
class MixedPrecisionTest {

    private static final float X = 1f + (float) Math.pow(2, -10);
    private static final int K = 4;
    private static final int N = 2;

    @Test
    void linearComputesInTheAskedTypeAndReturnsFloat32() {
        for (DataType compute : new DataType[] {DataType.FLOAT32, DataType.FLOAT16, DataType.BFLOAT16}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.full(new Shape(N, K), X);
                NDArray w = m.ones(new Shape(2, K));
                NDArray b = m.create(new float[] {0.5f, -0.25f});
                w.setRequiresGradient(true);
                b.setRequiresGradient(true);
                try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                    NDArray y = MixedPrecision.linear(x, w, b, compute);
                    assertEquals(DataType.FLOAT32, y.getDataType());
                    float xc = compute == DataType.BFLOAT16 ? 1f : X;
                    float[] expected = new float[N * 2];
                    for (int i = 0; i < N; i++) {
                        expected[2 * i] = K * xc + 0.5f;
                        expected[2 * i + 1] = K * xc - 0.25f;
                    }
                    assertArrayEquals(expected, y.toFloatArray(), 0f, compute.toString());
                    NDList g = Autograd.get().grad(y.sum(), new NDList(w, b), false);
                    assertEquals(DataType.FLOAT32, g.get(0).getDataType());
                    float[] gw = new float[2 * K];
                    Arrays.fill(gw, N * xc);
                    assertArrayEquals(gw, g.get(0).toFloatArray(), 0f, compute + " dC/dw");
                    assertArrayEquals(new float[] {N, N}, g.get(1).toFloatArray(), 0f, compute + " dC/db");
                }
            }
        }
    }

    @Test
    void secondOrderProductsGoThroughTheCasts() {
        // C = Σ (x·wᵀ)², H = 2 xᵀx per output row; with x = ones(N, K): Hv = 2N (Σv) per row, exact in every type
        for (DataType compute : new DataType[] {DataType.FLOAT16, DataType.BFLOAT16}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.ones(new Shape(N, K));
                NDArray w = m.create(new float[] {0.5f, -1f, 2f, 0.25f}, new Shape(1, K));
                w.setRequiresGradient(true);
                NDArray v = m.create(new float[] {1f, 2f, -1f, 0.5f}, new Shape(1, K));
                try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                    NDArray c = MixedPrecision.linear(x, w, null, compute).square().sum();
                    NDList g = Autograd.get().grad(c, new NDList(w), true);
                    NDArray hv = Autograd.get().hvp(g, new NDList(w), new NDList(v), false).get(0);
                    float expected = 2 * N * (1f + 2f - 1f + 0.5f);
                    assertArrayEquals(new float[] {expected, expected, expected, expected}, hv.toFloatArray(), 0f,
                            compute.toString());
                }
            }
            try (NDManager m = NDManager.newBaseManager()) {
                MixedPrecision.check(m, compute);
            }
        }
    }

    @Test
    void aSequentialBlockRunsItsLinearLayersInTheComputeType() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(3).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(2).build());
            net.initialize(m, DataType.FLOAT32, new Shape(1, K));
            ParameterStore store = new ParameterStore(m, false);
            NDArray x = m.full(new Shape(N, K), X);
            NDArray ref = net.forward(store, new NDList(x), false).singletonOrThrow();
            NDArray same = MixedPrecision.forward(net, store, x, false, DataType.FLOAT32);
            assertArrayEquals(ref.toFloatArray(), same.toFloatArray(), 1e-6f);
            NDArray low = MixedPrecision.forward(net, store, x, false, DataType.BFLOAT16);
            assertEquals(DataType.FLOAT32, low.getDataType());
            float maxDiff = ref.sub(low).abs().max().getFloat();
            float scale = ref.abs().max().getFloat();
            // two bf16 products: a few units of bf16's 2⁻⁸ relative rounding, and not zero
            assertTrue(maxDiff > 0 && maxDiff <= 4 * Math.pow(2, -8) * scale, maxDiff + " vs " + scale);
        }
    }

    @Test
    void whatItCannotDoIsAClearError() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(3).build())
                    .add(BatchNorm.builder().build());
            net.initialize(m, DataType.FLOAT32, new Shape(2, K));
            NDArray x = m.ones(new Shape(2, K));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MixedPrecision.forward(net, new ParameterStore(m, false), x, false, DataType.BFLOAT16));
            assertTrue(e.getMessage().contains("BatchNorm") && e.getMessage().contains("02"), e.getMessage());
            NDArray x64 = m.ones(new Shape(2, K), DataType.FLOAT64);
            e = assertThrows(IllegalArgumentException.class,
                    () -> MixedPrecision.linear(x64, m.ones(new Shape(1, K)), null, DataType.FLOAT16));
            assertTrue(e.getMessage().contains("FLOAT64") && e.getMessage().contains("FLOAT32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> MixedPrecision.check(m, DataType.FLOAT64));
            assertTrue(e.getMessage().contains("FLOAT64") && e.getMessage().contains("BFLOAT16"), e.getMessage());
        }
    }
}
