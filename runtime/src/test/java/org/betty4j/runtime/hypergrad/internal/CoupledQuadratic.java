package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;

/**
 * A lower cost {@code C(x, y) = ½ xᵀAx − xᵀBy} of a problem with parameters x whose cost
 * uses another problem's parameters y; A symmetric positive definite with given eigenvalues.
 * Best response {@code x*(y) = A⁻¹By}; exact best-response product {@code Bᵀ A⁻¹ v}; AID_FD's
 * closed form (H ≈ I) {@code Bᵀ v}; ITD_RMAD's through T SGD updates
 * {@code Bᵀ η Σ_{k<T} (I − ηA)^k v}.
 */
final class CoupledQuadratic {

    final double[][] a;
    final double[][] b;
    final double largestEigenvalue;

    CoupledQuadratic(Random random, int inputDimension, double... eigenvalues) {
        this.a = LinearAlgebra.symmetricWithEigenvalues(random, eigenvalues);
        this.b = LinearAlgebra.randomMatrix(random, eigenvalues.length, inputDimension);
        double max = 0;
        for (double e : eigenvalues) {
            max = Math.max(max, e);
        }
        this.largestEigenvalue = max;
    }

    /** The cost of arrays; the constants go to x's manager (an engine step's manager). */
    NDArray cost(NDArray x, NDArray y) {
        NDManager m = x.getManager();
        return BilevelQuadratic.cost(x, y, m.create(a), m.create(b));
    }

    double[] bestResponse(double[] y) {
        return LinearAlgebra.solve(a, LinearAlgebra.times(b, y));
    }

    /**
     * What {@code method} computes for this cost exactly: {@code Bᵀv} for AID_FD, {@code BᵀA⁻¹v}
     * for AID_CG and AID_NEUMANN (their truncation aside). ITD_RMAD depends on the optimizer
     * and the number of updates: use {@link #unrolledProduct}.
     */
    double[] product(HypergradMethod method, double[] v) {
        return switch (method) {
            case AID_FD -> LinearAlgebra.transposeTimes(b, v);
            case AID_CG, AID_NEUMANN -> LinearAlgebra.transposeTimes(b, LinearAlgebra.solve(a, v));
            default -> throw new IllegalArgumentException(method + " has no closed form here; see unrolledProduct");
        };
    }

    /**
     * ITD_RMAD's product for {@code steps} plain SGD updates (rate η, no momentum, no weight
     * decay) of x at fixed y: {@code (dx_T/dy)ᵀv}. The updates {@code x_t = x_{t−1} − η(Ax_{t−1} − By)}
     * give {@code J_t = (I − ηA)J_{t−1} + ηB}, {@code J_0 = 0} (the start is a constant), so
     * {@code J_T = η Σ_{k<T} (I − ηA)^k B} whatever the trajectory (the cost is quadratic).
     * Computed here by that forward recurrence on the Jacobian, then {@code J_Tᵀ v}. (It equals
     * AID_NEUMANN's closed form with α = η and k = T − 1 iterations; the engine computes it backwards.)
     */
    double[] unrolledProduct(double eta, int steps, double[] v) {
        int n = a.length;
        int m = b[0].length;
        double[][] j = new double[n][m];
        for (int t = 0; t < steps; t++) {
            double[][] next = new double[n][m];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < m; c++) {
                    double aj = 0;
                    for (int k = 0; k < n; k++) {
                        aj += a[i][k] * j[k][c];
                    }
                    next[i][c] = j[i][c] - eta * aj + eta * b[i][c];
                }
            }
            j = next;
        }
        return LinearAlgebra.transposeTimes(j, v);
    }
}
