package org.betty4j.runtime.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * First-order gradients of a scalar ({@link Autograd#grad} without a graph): through libtorch's
 * backward for leaves, through the TorchScript facade otherwise. The same bits on every path (the
 * facade seeded by libtorch or explicitly, the named-list call, DJL's backward by hand), the closed
 * form within float rounding; no TorchScript for leaves; nothing carried from one call to the
 * next through {@code .grad}; no arrays and no resident memory left behind.
 */
class FirstOrderGradientTest {

    private static final int N = 500;
    private static final int D = 20;

    /** mean(softplus(z) − z·y) + ½ Σ λ w², z = x·w: Betty's logistic-regression HPO inner cost. */
    private static NDArray hpoCost(NDArray x, NDArray y, NDArray w, NDArray lambda) {
        NDArray z = x.matMul(w);
        NDArray softplusTail = z.abs().neg().exp().add(1).log();
        NDArray fit = z.maximum(0).sub(z.mul(y)).add(softplusTail).mean();
        return fit.add(w.square().mul(lambda).sum().mul(0.5f));
    }

    @Test
    void hpoCostGradientIsBitIdenticalAcrossPathsAndMatchesTheClosedForm() {
        Random r = new Random(7);
        float[] xs = new float[N * D];
        float[] ys = new float[N];
        float[] ws = new float[D];
        float[] ls = new float[D];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < N; i++) {
            ys[i] = r.nextBoolean() ? 1f : 0f;
        }
        for (int j = 0; j < D; j++) {
            ws[j] = (float) (0.3 * r.nextGaussian());
            ls[j] = (float) r.nextDouble();
        }
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray x = m.create(xs, new Shape(N, D));
            NDArray y = m.create(ys);
            NDArray w = m.create(ws);
            NDArray lambda = m.create(ls);
            w.setRequiresGradient(true);
            lambda.setRequiresGradient(true);
            float[] facade;
            float[] leaves;
            float[] seeded;
            float[] named;
            float[] djl;
            try (GradMode on = GradMode.enabled()) {
                facade = Autograd.get().scriptGrad(hpoCost(x, y, w, lambda), new NDList(w), false).get(0)
                        .toFloatArray();
                leaves = Autograd.get().grad(hpoCost(x, y, w, lambda), new NDList(w), false).get(0).toFloatArray();
                NDArray loss = hpoCost(x, y, w, lambda);
                seeded = Autograd.get().vjp(new NDList(loss), new NDList(w), new NDList(loss.onesLike()), false)
                        .get(0).toFloatArray();
                named = GradientPaths.namedFacade(hpoCost(x, y, w, lambda), new NDList(w)).get(0).toFloatArray();
                djl = GradientPaths.djlBackward(hpoCost(x, y, w, lambda), new NDList(w), new NDList(w, lambda), false)
                        .get(0).toFloatArray();
            }
            assertArrayEquals(leaves, facade, 0f, "facade vs the leaves' backward");
            assertArrayEquals(named, facade, 0f, "facade vs the named-list call");
            assertArrayEquals(seeded, facade, 0f, "seed by libtorch vs an explicit seed of ones");
            assertArrayEquals(djl, facade, 0f, "facade vs DJL backward");
            // closed form: xᵀ(σ(z) − y)/n + λ∘w, in double
            for (int j = 0; j < D; j++) {
                double g = ls[j] * ws[j];
                for (int i = 0; i < N; i++) {
                    double z = 0;
                    for (int k = 0; k < D; k++) {
                        z += xs[i * D + k] * ws[k];
                    }
                    g += xs[i * D + j] * (1 / (1 + Math.exp(-z)) - ys[i]) / N;
                }
                assertEquals(g, facade[j], 1e-6, "component " + j);
            }
        }
    }

    @Test
    void cubicSumGradientIsExactlyThreeXSquaredOnEveryPath() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {1.0, -2.0, 0.5, 3.0});
            w.setRequiresGradient(true);
            double[] expected = {3.0, 12.0, 0.75, 27.0};
            try (GradMode on = GradMode.enabled()) {
                assertArrayEquals(expected,
                        Autograd.get().grad(w.pow(3).sum(), new NDList(w), false).get(0).toDoubleArray(), 0.0);
                assertArrayEquals(expected,
                        Autograd.get().scriptGrad(w.pow(3).sum(), new NDList(w), false).get(0).toDoubleArray(), 0.0);
                assertArrayEquals(expected,
                        GradientPaths.namedFacade(w.pow(3).sum(), new NDList(w)).get(0).toDoubleArray(), 0.0);
                assertArrayEquals(expected, GradientPaths.djlBackward(w.pow(3).sum(), new NDList(w), new NDList(w),
                        false).get(0).toDoubleArray(), 0.0);
            }
        }
    }

    @Test
    void gradientWithGraphGivesTheSameHessianProductAsAnExplicitSeed() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new float[] {0.5f, -1.5f, 2f});
            NDArray v = m.create(new float[] {1f, 0.25f, -3f});
            w.setRequiresGradient(true);
            try (GradMode on = GradMode.enabled()) {
                NDArray f = w.pow(3).sum().add(w.prod());
                NDList implicit = Autograd.get().grad(f, new NDList(w), true);
                NDList explicit = Autograd.get().vjp(new NDList(f), new NDList(w), new NDList(f.onesLike()), true);
                float[] hvImplicit = Autograd.get().hvp(implicit, new NDList(w), new NDList(v), false).get(0)
                        .toFloatArray();
                float[] hvExplicit = Autograd.get().hvp(explicit, new NDList(w), new NDList(v), false).get(0)
                        .toFloatArray();
                assertArrayEquals(explicit.get(0).toFloatArray(), implicit.get(0).toFloatArray(), 0f);
                assertArrayEquals(hvExplicit, hvImplicit, 0f);
            }
        }
    }

    @Test
    void aScalarOfShapeOneGetsItsImplicitSeed() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new float[] {2f, 3f});
            w.setRequiresGradient(true);
            try (GradMode on = GradMode.enabled()) {
                NDArray f = w.square().sum().reshape(1);
                assertArrayEquals(new float[] {4f, 6f},
                        Autograd.get().grad(f, new NDList(w), false).get(0).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void manyGradientsLeaveNoArraysAndNoMemoryBehind() throws IOException {
        try (NDManager base = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            // 250k parameters: a graph kept alive per call would add ≥ 1 MiB per call
            NDArray x = base.randomNormal(new Shape(8, 250_000));
            NDArray w = base.randomNormal(0, 0.01f, new Shape(250_000), DataType.FLOAT32);
            // a second problem's parameter, read by the cost, not differentiated
            NDArray lambda = base.randomUniform(0, 1, new Shape(250_000));
            w.setRequiresGradient(true);
            lambda.setRequiresGradient(true);
            int held = base.getManagedArrays().size();
            long rssAtMark = 0;
            int calls = 1500;
            for (int step = 0; step < calls; step++) {
                if (step == 300) {
                    System.gc();
                    rssAtMark = residentKiB();
                }
                try (NDManager sub = ClosedArrayBuffers.retaining(base.newSubManager());
                        GradMode on = GradMode.enabled()) {
                    sub.tempAttachAll(x, w, lambda);
                    NDArray cost = x.matMul(w).tanh().sum().add(w.square().mul(lambda).sum());
                    NDList g = Autograd.get().grad(cost, new NDList(w), false);
                    assertEquals(sub, g.get(0).getManager(), "the gradient must live in the manager of the cost");
                }
            }
            System.gc();
            long growthKiB = residentKiB() - rssAtMark;
            assertEquals(held, base.getManagedArrays().size(), "arrays left in the base manager");
            // 1200 calls of a leaked graph would be over 1 GiB
            assertTrue(growthKiB < 96 * 1024, "resident memory grew by " + growthKiB + " KiB over " + (calls - 300)
                    + " gradient calls");
        }
    }

    @Test
    void theFacadeSetsNoGradOfAnyLeaf() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new float[] {0.5f, -1f});
            NDArray lambda = m.create(new float[] {2f, 3f});
            w.setRequiresGradient(true);
            lambda.setRequiresGradient(true);
            try (GradMode on = GradMode.enabled()) {
                NDArray cost = w.square().mul(lambda).sum();
                assertArrayEquals(new float[] {2f, -6f},
                        Autograd.get().scriptGrad(cost, new NDList(w), false).get(0).toFloatArray(), 0f);
                NDList withGraph = Autograd.get().grad(w.square().mul(lambda).sum(), new NDList(w), true);
                assertArrayEquals(new float[] {2f, -6f}, withGraph.get(0).toFloatArray(), 0f);
            }
            assertNull(JniUtils.getGradient((PtNDArray) w), ".grad of the differentiated parameter was set");
            assertNull(JniUtils.getGradient((PtNDArray) lambda), ".grad of the other problem's parameter was set");
        }
    }

    @Test
    void gradientsOfLeavesNeedNoTorchScriptAndCarryNothingFromCallToCall() {
        Autograd fresh = new Autograd();
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {0.5, -1.0, 2.0});
            NDArray lambda = m.create(new double[] {2.0, 3.0, -1.0});
            // a parameter of a problem the cost does not read, never differentiated before
            NDArray unused = m.create(new double[] {7.0, 8.0});
            w.setRequiresGradient(true);
            lambda.setRequiresGradient(true);
            unused.setRequiresGradient(true);
            try (GradMode on = GradMode.enabled()) {
                for (int call = 0; call < 3; call++) {
                    // each call also adds into lambda's .grad: w ⊙ w
                    NDList g = fresh.grad(w.square().mul(lambda).sum(), new NDList(w, unused), false);
                    assertArrayEquals(new double[] {2.0, -6.0, -4.0}, g.get(0).toDoubleArray(), 0.0, "call " + call);
                    assertArrayEquals(new double[] {0.0, 0.0}, g.get(1).toDoubleArray(), 0.0, "call " + call);
                }
                // lambda's .grad holds what the three calls added; its own gradient starts from zero
                NDList gl = fresh.grad(w.square().mul(lambda).sum(), new NDList(lambda), false);
                assertArrayEquals(new double[] {0.25, 1.0, 4.0}, gl.get(0).toDoubleArray(), 0.0);
            }
            assertFalse(fresh.scriptLoaded(), "a first-order gradient of leaves loaded the TorchScript module");
            try (GradMode on = GradMode.enabled()) {
                NDList withGraph = fresh.grad(w.square().mul(lambda).sum(), new NDList(w), true);
                assertArrayEquals(new double[] {2.0, -6.0, -4.0}, withGraph.get(0).toDoubleArray(), 0.0);
            }
            assertTrue(fresh.scriptLoaded(), "a gradient with its graph needs the TorchScript module");
        }
    }

    @Test
    void anInputComputedFromOthersGoesThroughTheFacade() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {0.5, -1.0});
            w.setRequiresGradient(true);
            try (GradMode on = GradMode.enabled()) {
                NDArray u = w.mul(3);
                // d/du Σ u³ = 3u² = 27 w²; backward would give u no .grad at all
                NDList g = Autograd.get().grad(u.pow(3).sum(), new NDList(u), false);
                assertArrayEquals(new double[] {6.75, 27.0}, g.get(0).toDoubleArray(), 1e-12);
            }
        }
    }

    @Test
    void anInputWithoutGradientsIsNamed() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {0.5, -1.0});
            NDArray frozen = m.create(new double[] {1.0, 2.0});
            frozen.setName("frozen");
            w.setRequiresGradient(true);
            try (GradMode on = GradMode.enabled()) {
                NDArray cost = w.mul(frozen).sum();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Autograd.get().grad(cost, new NDList(w, frozen), false));
                assertTrue(e.getMessage().contains("input 1 ('frozen'"), e.getMessage());
                assertTrue(e.getMessage().contains("does not require gradients"), e.getMessage());
            }
        }
    }

    @Test
    void aCostWithoutGraphIsAnErrorForGradAndZerosForGradOrZeros() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray w = m.create(new double[] {0.5, -1.0});
            w.setRequiresGradient(true);
            NDArray constant;
            try (GradMode off = GradMode.disabled()) {
                constant = w.square().sum();
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.get().grad(constant, new NDList(w), false));
            assertTrue(e.getMessage().contains("carries no gradient graph"), e.getMessage());
            NDList zeros = Autograd.get().gradOrZeros(constant, new NDList(w));
            assertArrayEquals(new double[] {0.0, 0.0}, zeros.get(0).toDoubleArray(), 0.0);
            assertEquals(constant.getManager(), zeros.get(0).getManager());
        }
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
