package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.hypergrad.internal.AidFiniteDifference;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.hypergrad.internal.JacobianContext;
import org.betty4j.runtime.problem.ParameterLists;
import org.junit.jupiter.api.Test;

/**
 * AID-FD against its closed form on a bilevel quadratic program, in float64.
 *
 * <p>Lower: {@code C_L(w, λ) = ½ wᵀ diag(a) w − wᵀ B λ}. Upper: {@code C_U(w) = ½‖w − t‖²}.
 * Then {@code ∇_λ C_L = −Bᵀ w} is linear in {@code w}, so the central difference has no
 * truncation error and {@code −(∂²C_L/∂λ∂w)·v = Bᵀ v} holds up to rounding: tolerance 1e-9
 * (ε = α/‖v‖ ≈ 1e-3 amplifies float64 rounding of ~1e-16 by 1/ε to ~1e-13 per entry).
 */
class AidFiniteDifferenceEngineTest {

    private static final double[] A = {2.0, 3.0, 0.5};
    private static final double[][] B = {{1.0, -0.5}, {0.25, 2.0}, {-1.0, 0.75}};
    private static final double[] T = {0.3, -0.2, 1.0};

    /** The bilevel quadratic program's arrays, in a manager of the test's. */
    private static final class Quadratic {
        final NDArray w;
        final NDArray lambda;
        final NDArray a;
        final NDArray b;
        final NDList v;

        Quadratic(NDManager m) {
            w = m.create(new double[] {0.4, -1.2, 2.0});
            lambda = m.create(new double[] {0.7, -0.3});
            ParameterLists.of("w", w, "lambda", lambda);
            b = m.create(B);
            a = m.create(A);
            v = new NDList(m.create(new double[] {1.5, -2.0, 0.25}));
        }

        JacobianContext context(java.util.function.Supplier<NDArray> cost) {
            return new JacobianContext("L", "U", new NDList(w), new NDList(lambda), cost,
                    HypergradConfig.defaults(HypergradMethod.AID_FD), Autograd.get());
        }

        JacobianContext context() {
            return context(() -> lowerCost(w, lambda, a, b));
        }
    }

    @Test
    void productEqualsClosedFormBTransposeV() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            Quadratic q = new Quadratic(m);
            try (NDManager step = ClosedArrayBuffers.retaining(m.newSubManager()); GradientCollector gc = m.getEngine().newGradientCollector()) {
                double[] before = q.w.toDoubleArray();
                NDList product = new AidFiniteDifference().apply(q.v, q.context());
                double[] expected = bTransposeTimes(q.v.get(0).toDoubleArray());
                System.out.printf("AID-FD product, max abs error vs closed form Bᵀv: %.3e%n",
                        maxAbsDiff(expected, product.get(0).toDoubleArray()));
                assertArrayEquals(expected, product.get(0).toDoubleArray(), 1e-9);
                // the lower parameters are restored bit-exactly
                assertArrayEquals(before, q.w.toDoubleArray(), 0.0);
            }
        }
    }

    /**
     * The whole engine on the same program: after one global step (lower SGD step, then the
     * upper's), the upper parameters equal λ₀ − η_U Bᵀ(w₁ − t) with w₁ = w₀ − η_L(a∘w₀ − Bλ₀).
     */
    @Test
    void engineUpperUpdateMatchesClosedForm() {
        double[] w0 = {0.4, -1.2, 2.0};
        double[] l0 = {0.7, -0.3};
        float etaL = 0.1f;
        float etaU = 0.5f;
        ToyProblem lower = new ToyProblem(w0, etaL);
        ToyProblem upper = new ToyProblem(l0, etaU);
        Program program = Program.builder("quadratic")
                .problem(ToyProblem.node("L", 1, lower, 1, batch -> {
                    NDManager m = batch.getData().head().getManager();
                    return lowerCost(lower.theta, upper.theta, m.create(A), m.create(B));
                }))
                .problem(ToyProblem.node("U", 2, upper, 1, batch -> {
                    NDManager m = batch.getData().head().getManager();
                    return lower.theta.sub(m.create(T)).square().sum().mul(0.5);
                }))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(1).build())) {
            engine.run();
            double[] w1 = new double[3];
            double[] bl = matVec(B, l0);
            for (int i = 0; i < 3; i++) {
                w1[i] = w0[i] - etaL * (A[i] * w0[i] - bl[i]);
            }
            double[] r = new double[3];
            for (int i = 0; i < 3; i++) {
                r[i] = w1[i] - T[i];
            }
            double[] hyper = bTransposeTimes(r);
            double[] expected = {l0[0] - etaU * hyper[0], l0[1] - etaU * hyper[1]};
            assertArrayEquals(w1, engine.parameters("L").get(0).toDoubleArray(), 1e-12);
            double[] actual = engine.parameters("U").get(0).toDoubleArray();
            System.out.printf("engine upper update, max abs error vs closed form: %.3e%n", maxAbsDiff(expected, actual));
            assertArrayEquals(expected, actual, 1e-9);
        }
    }

    @Test
    void lowerParametersRequireGradientsAgainAfterTheProductAlsoWhenTheCostFails() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            Quadratic q = new Quadratic(m);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                new AidFiniteDifference().apply(q.v, q.context());
                assertTrue(JniUtils.requiresGrad((PtNDArray) q.w), "w no longer requires gradients");
                JacobianContext failing = q.context(() -> {
                    throw new IllegalStateException("cost failed");
                });
                assertThrows(IllegalStateException.class, () -> new AidFiniteDifference().apply(q.v, failing));
                assertTrue(JniUtils.requiresGrad((PtNDArray) q.w), "w no longer requires gradients after a failure");
                assertTrue(JniUtils.requiresGrad((PtNDArray) q.lambda));
            }
        }
    }

    @Test
    void thePerturbedCostsAreDifferentiatedOnlyWithRespectToTheUpperParameters() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            Quadratic q = new Quadratic(m);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                // give w a .grad of zeros: a backward that reached w would add ∂C_L/∂w ≠ 0 to it
                Autograd.get().grad(lowerCost(q.w, q.lambda, q.a, q.b), new NDList(q.w), false);
                JniUtils.zeroGrad((PtNDArray) q.w);
                new AidFiniteDifference().apply(q.v, q.context());
                try (PtNDArray grad = JniUtils.getGradient((PtNDArray) q.w)) {
                    assertArrayEquals(new double[] {0, 0, 0}, grad.toDoubleArray(), 0.0,
                            "the finite difference's gradients also went through w");
                }
            }
        }
    }

    @Test
    void aLowerCostThatReadsNoUpperParameterGivesAZeroProduct() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            Quadratic q = new Quadratic(m);
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDList product = new AidFiniteDifference().apply(q.v,
                        q.context(() -> q.w.square().mul(q.a).sum().mul(0.5)));
                assertArrayEquals(new double[] {0.0, 0.0}, product.get(0).toDoubleArray(), 0.0);
            }
        }
    }

    @Test
    void nonScalarLossIsAnErrorNamingTheProblemAndStep() {
        ToyProblem p = new ToyProblem(new double[] {1, 2}, 0.1f);
        Program program = Program.builder("bad").problem(ToyProblem.node("Solo", 1, p, 1, b -> p.theta.square())).build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(1).build())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, engine::run);
            assertTrue(e.getMessage().contains("Solo") && e.getMessage().contains("shape (2)")
                    && e.getMessage().contains("local step 1"), e.getMessage());
        }
    }

    @Test
    void nanLossStopsTheRunNamingProblemStepAndQuantity() {
        ToyProblem p = new ToyProblem(new double[] {1, 2}, 0.1f);
        Program program = Program.builder("nan")
                .problem(ToyProblem.node("Solo", 1, p, 1, b -> p.theta.sum().log()))
                .build();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(100).build())) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            assertEquals("Solo", e.problem());
            assertEquals("the loss", e.quantity());
            // minimizing log(sum θ) from sum 3 with lr 0.1 drives the sum to <= 0 after a few finite steps
            assertTrue(e.localStep() > 1, "the first steps are finite, the log of a negative sum is not");
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        }
    }

    private static NDArray lowerCost(NDArray w, NDArray lambda, NDArray a, NDArray b) {
        NDArray quad = w.square().mul(a).sum().mul(0.5);
        NDArray coupling = w.mul(b.matMul(lambda)).sum();
        return quad.sub(coupling);
    }

    private static double[] bTransposeTimes(double[] v) {
        double[] out = new double[B[0].length];
        for (int j = 0; j < out.length; j++) {
            for (int i = 0; i < B.length; i++) {
                out[j] += B[i][j] * v[i];
            }
        }
        return out;
    }

    private static double maxAbsDiff(double[] x, double[] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    private static double[] matVec(double[][] m, double[] x) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < x.length; j++) {
                out[i] += m[i][j] * x[j];
            }
        }
        return out;
    }
}
