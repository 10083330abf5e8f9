package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.problem.ParameterLists;

/**
 * A lower cost {@code C(w, λ) = ½ wᵀAw − wᵀBλ} in float64 (A symmetric positive definite):
 * the best response is {@code w*(λ) = A⁻¹Bλ}, so the exact best-response product of a vector
 * v is {@code (∂w* / ∂λ)ᵀ v = Bᵀ A⁻¹ v}.
 */
final class BilevelQuadratic {

    final double[][] a;
    final double[][] b;
    final NDArray w;
    final NDArray lambda;
    private final NDArray aArray;
    private final NDArray bArray;

    BilevelQuadratic(NDManager manager, double[][] a, double[][] b, double[] w0, double[] lambda0) {
        this.a = a;
        this.b = b;
        this.w = manager.create(w0);
        this.lambda = manager.create(lambda0);
        ParameterLists.of("w", w, "lambda", lambda);
        this.aArray = manager.create(a);
        this.bArray = manager.create(b);
    }

    /** The lower cost at the current parameters (call under gradient recording). */
    NDArray cost() {
        return cost(w, lambda, aArray, bArray);
    }

    /** {@code ½ wᵀAw − wᵀBλ} of arrays. */
    static NDArray cost(NDArray w, NDArray lambda, NDArray a, NDArray b) {
        NDArray quad = w.mul(a.matMul(w)).sum().mul(0.5);
        return quad.sub(w.mul(b.matMul(lambda)).sum());
    }

    JacobianContext context(HypergradMethod method, double alpha, int iterations) {
        return new JacobianContext("Lower", "Upper", new NDList(w), new NDList(lambda), this::cost,
                new HypergradConfig(method, alpha, iterations, false), Autograd.get());
    }

    /** One product of {@code v} in a fresh step manager, under gradient recording as in an engine step. */
    double[] product(BestResponseJacobian jacobian, HypergradMethod method, double[] v, double alpha, int iterations) {
        try (NDManager step = ClosedArrayBuffers.retaining(NDManager.newBaseManager());
                GradientCollector gc = step.getEngine().newGradientCollector()) {
            NDList out = jacobian.apply(new NDList(step.create(v)), context(method, alpha, iterations));
            return out.get(0).toDoubleArray();
        }
    }

    /** The exact product {@code Bᵀ A⁻¹ v}. */
    double[] exactProduct(double[] v) {
        return LinearAlgebra.transposeTimes(b, LinearAlgebra.solve(a, v));
    }
}
