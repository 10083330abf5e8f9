package org.betty4j.runtime.hypergrad.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.junit.jupiter.api.Test;

/**
 * AID-CG on the bilevel quadratic {@code C(w, λ) = ½ wᵀAw − wᵀBλ}, float64, w of dimension 6,
 * λ of dimension 3, A with eigenvalues 0.5 … 16 (condition 32, so CG needs all six steps).
 *
 * <p>Tolerances: with k ≥ 6 CG is exact in exact arithmetic; float64 rounding amplified by the
 * condition number leaves ~1e-14 relative, so the 1e-6 has a wide margin. The one-step
 * check compares two float64 evaluations of the same formula: 1e-12.
 */
class AidConjugateGradientTest {

    private static final double[] EIGENVALUES = {0.5, 1, 2, 4, 8, 16};

    private static BilevelQuadratic problem(NDManager m, double... eigenvalues) {
        Random r = new Random(11);
        double[][] a = LinearAlgebra.symmetricWithEigenvalues(r, eigenvalues);
        double[][] b = LinearAlgebra.randomMatrix(r, eigenvalues.length, 3);
        return new BilevelQuadratic(m, a, b, LinearAlgebra.randomVector(r, eigenvalues.length),
                LinearAlgebra.randomVector(r, 3));
    }

    private static double[] rhs(int n) {
        return LinearAlgebra.randomVector(new Random(5), n);
    }

    private static double[] product(BilevelQuadratic q, AidConjugateGradient cg, double[] v, double alpha, int k) {
        return q.product(cg, HypergradMethod.AID_CG, v, alpha, k);
    }

    @Test
    void dimensionManyIterationsGiveTheExactImplicitProductForAnyAlpha() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m, EIGENVALUES);
            double[] v = rhs(6);
            double[] exact = q.exactProduct(v);
            double[] w0 = q.w.toDoubleArray();
            double[] l0 = q.lambda.toDoubleArray();
            for (double alpha : new double[] {1.0, 0.1}) {
                for (int k : new int[] {6, 9}) {
                    AidConjugateGradient cg = new AidConjugateGradient();
                    double error = LinearAlgebra.relativeError(product(q, cg, v, alpha, k), exact);
                    AidConjugateGradient.Solve s = cg.lastSolve();
                    System.out.printf("AID_CG alpha %.1f k %d: relative error %.3e, %d iterations, residual %.3e (|v| %.3f)%n",
                            alpha, k, error, s.iterations(), s.residualNorm(), s.rhsNorm());
                    assertTrue(error < 1e-6, "relative error " + error + " at alpha " + alpha + ", k " + k);
                    assertTrue(s.residualNorm() < 1e-9 * s.rhsNorm(), "residual " + s.residualNorm());
                    assertTrue(s.iterations() <= k, "ran " + s.iterations() + " of " + k + " iterations");
                }
            }
            // the lower and upper parameters are left exactly as they were
            assertArrayEquals(w0, q.w.toDoubleArray(), 0.0);
            assertArrayEquals(l0, q.lambda.toDoubleArray(), 0.0);
        }
    }

    @Test
    void oneIterationIsTheCauchyStepAndFewIterationsLeaveAResidual() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m, EIGENVALUES);
            double[] v = rhs(6);
            // one CG step from 0: x = (vᵀv / vᵀAv) v
            double vv = LinearAlgebra.norm(v) * LinearAlgebra.norm(v);
            double[] av = LinearAlgebra.times(q.a, v);
            double vav = 0;
            for (int i = 0; i < v.length; i++) {
                vav += v[i] * av[i];
            }
            double[] cauchy = LinearAlgebra.transposeTimes(q.b, LinearAlgebra.scaled(v, vv / vav));
            double oneStepError = LinearAlgebra.relativeError(product(q, new AidConjugateGradient(), v, 1.0, 1), cauchy);
            System.out.printf("AID_CG k 1 vs Cauchy step closed form: relative error %.3e%n", oneStepError);
            assertTrue(oneStepError < 1e-12, "relative error " + oneStepError);

            // (CG's residual norm need not fall monotonically; only its A-norm error does)
            for (int k = 1; k <= 6; k++) {
                AidConjugateGradient cg = new AidConjugateGradient();
                product(q, cg, v, 1.0, k);
                double residual = cg.lastSolve().residualNorm();
                System.out.printf("AID_CG k %d: residual %.3e%n", k, residual);
                if (k < 6) {
                    assertTrue(residual > 1e-6, "k < dimension cannot solve a 6-dimensional system with condition 32");
                }
            }
        }
    }

    @Test
    void negativeCurvatureIsAnErrorNamingTheProblemAndIteration() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m, -1, -2, -3);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> product(q, new AidConjugateGradient(), rhs(3), 1.0, 3));
            assertTrue(e.getMessage().startsWith("Lower: AID_CG") && e.getMessage().contains("iteration 1")
                    && e.getMessage().contains("positive-definite"), e.getMessage());
        }
    }

    @Test
    void withoutGradientRecordingItSaysWhatIsMissing() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m, EIGENVALUES);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new AidConjugateGradient()
                    .apply(new NDList(m.create(rhs(6))), q.context(HypergradMethod.AID_CG, 1.0, 3)));
            assertTrue(e.getMessage().contains("Lower") && e.getMessage().contains("GradientCollector"), e.getMessage());
        }
    }

    @Test
    void zeroVectorGivesZerosWithoutSolving() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m, EIGENVALUES);
            AidConjugateGradient cg = new AidConjugateGradient();
            double[] out = product(q, cg, new double[6], 1.0, 3);
            assertArrayEquals(new double[3], out, 0.0);
            assertEquals(0, cg.lastSolve().iterations());
        }
    }
}
