package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradientDivergenceException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.junit.jupiter.api.Test;

/**
 * AID-Neumann on the bilevel quadratic {@code C(w, λ) = ½ wᵀAw − wᵀBλ}, float64, A with
 * eigenvalues 1 … 2 (L = 2, so the series converges for α &lt; 1).
 *
 * <p>The truncation error after k terms is {@code Bᵀ A⁻¹ (I − αA)^{k+1} v}: with α = 0.4 every
 * eigen-component shrinks by at least 0.6 per term, so the error falls monotonically and is
 * ~1e-7 relative at k = 30, inside the 1e-4. The series itself is checked against the
 * same series computed in plain Java at 1e-12 (two float64 evaluations of one formula).
 */
class AidNeumannTest {

    private static final double[] EIGENVALUES = {1, 1.25, 1.5, 1.75, 2};

    private static BilevelQuadratic problem(NDManager m) {
        Random r = new Random(13);
        double[][] a = LinearAlgebra.symmetricWithEigenvalues(r, EIGENVALUES);
        double[][] b = LinearAlgebra.randomMatrix(r, EIGENVALUES.length, 3);
        return new BilevelQuadratic(m, a, b, LinearAlgebra.randomVector(r, 5), LinearAlgebra.randomVector(r, 3));
    }

    private static final double[] V = LinearAlgebra.randomVector(new Random(3), 5);

    private static double[] product(BilevelQuadratic q, AidNeumann neumann, double alpha, int k) {
        return q.product(neumann, HypergradMethod.AID_NEUMANN, V, alpha, k);
    }

    @Test
    void truncatedSeriesEqualsItsClosedForm() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m);
            for (int k : new int[] {1, 3}) {
                double[] expected = LinearAlgebra.transposeTimes(q.b, LinearAlgebra.neumannSeries(q.a, V, 0.4, k));
                double error = LinearAlgebra.relativeError(product(q, new AidNeumann(), 0.4, k), expected);
                System.out.printf("AID_NEUMANN k %d vs its series closed form: relative error %.3e%n", k, error);
                assertTrue(error < 1e-12, "relative error " + error + " at k " + k);
            }
        }
    }

    @Test
    void errorFallsMonotonicallyTowardTheExactImplicitProduct() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m);
            double[] exact = q.exactProduct(V);
            double previous = Double.POSITIVE_INFINITY;
            StringBuilder trend = new StringBuilder("AID_NEUMANN alpha 0.4, relative error by k:");
            for (int k = 1; k <= 30; k++) {
                AidNeumann neumann = new AidNeumann();
                double error = LinearAlgebra.relativeError(product(q, neumann, 0.4, k), exact);
                trend.append(String.format("%n  k %2d: %.3e (last term ratio %.3e)", k, error, neumann.lastTermRatio()));
                assertTrue(error < previous, "error rose from " + previous + " to " + error + " at k " + k);
                previous = error;
            }
            System.out.println(trend);
            assertTrue(previous < 1e-4, "relative error " + previous + " at k 30");
        }
    }

    @Test
    void convergesNearTheStabilityLimit() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m);
            // α = 0.9 < 2/L = 1: the top component alternates in sign and shrinks by 0.8 per term
            double error = LinearAlgebra.relativeError(product(q, new AidNeumann(), 0.9, 80), q.exactProduct(V));
            System.out.printf("AID_NEUMANN alpha 0.9 k 80: relative error %.3e%n", error);
            assertTrue(error < 1e-4, "relative error " + error);
        }
    }

    @Test
    void tooLargeAlphaIsReportedAsDivergence() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            BilevelQuadratic q = problem(m);
            double[] w0 = q.w.toDoubleArray();
            // α = 1.5 > 2/L = 1: the top component doubles per term
            HypergradientDivergenceException e = assertThrows(HypergradientDivergenceException.class,
                    () -> product(q, new AidNeumann(), 1.5, 20));
            System.out.println("divergence message: " + e.getMessage());
            assertEquals("Lower", e.problem());
            assertEquals(1.5, e.alpha());
            assertTrue(e.term() >= 3 && e.term() < 20, "found at term " + e.term());
            assertTrue(e.termNorm() > LinearAlgebra.norm(V), "the reported term grew: " + e.termNorm());
            assertTrue(e.getMessage().contains("alpha = 1.5") && e.getMessage().contains("term " + e.term())
                    && e.getMessage().contains("alpha < 2/L"), e.getMessage());
            assertArrayEquals(w0, q.w.toDoubleArray(), 0.0);
        }
    }
}
