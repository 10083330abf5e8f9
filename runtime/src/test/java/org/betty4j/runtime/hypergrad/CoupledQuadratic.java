package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.betty4j.annotations.HypergradMethod;

/**
 * A lower cost {@code C(x, y) = ½ xᵀAx − xᵀBy} of a problem with parameters x whose cost
 * uses another problem's parameters y; A symmetric positive definite with given eigenvalues.
 * Best response {@code x*(y) = A⁻¹By}; exact best-response product {@code Bᵀ A⁻¹ v}; AID_FD's
 * closed form (H ≈ I) {@code Bᵀ v}.
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

    /** What {@code method} computes for this cost exactly: {@code Bᵀv} for AID_FD, {@code BᵀA⁻¹v} otherwise. */
    double[] product(HypergradMethod method, double[] v) {
        return method == HypergradMethod.AID_FD
                ? LinearAlgebra.transposeTimes(b, v)
                : LinearAlgebra.transposeTimes(b, LinearAlgebra.solve(a, v));
    }
}
