package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.betty4j.runtime.autograd.GradMode;

/**
 * The exact second-order products of implicit differentiation, taken from one evaluation of
 * {@code curr}'s cost: the gradient {@code g = ∇_curr C} is computed once with its graph, then
 * {@code H·p = (∂g/∂θ_curr)ᵀ p} and the mixed product {@code (∂g/∂θ_prev)ᵀ x} are
 * vector-Jacobian products of {@code g}. Closing frees the graph.
 */
final class CurvatureProducts implements AutoCloseable {

    private final JacobianContext ctx;
    private final NDArray cost;
    private final NDList gradWithGraph;

    CurvatureProducts(JacobianContext ctx) {
        if (!GradMode.isEnabled()) {
            throw new IllegalStateException(ctx.currName() + ": " + ctx.config().method()
                    + " needs gradient recording to take second derivatives of its cost; the engine's step "
                    + "provides it, elsewhere open a GradientCollector around the call");
        }
        this.ctx = ctx;
        this.cost = ctx.currCost().get();
        this.gradWithGraph = ctx.autograd().grad(cost, ctx.currParams(), true);
    }

    /** {@code H·p} with {@code H = ∂²C/∂θ_curr²}. */
    NDList hessianTimes(NDList p) {
        return ctx.autograd().hvp(gradWithGraph, ctx.currParams(), p, false);
    }

    /** {@code −(∂²C/∂θ_prev∂θ_curr)·x}: the best-response product once {@code x = H⁻¹v}. */
    NDList negatedMixedTimes(NDList x) {
        try (NDList mixed = ctx.autograd().vjp(gradWithGraph, ctx.prevParams(), x, false)) {
            return Vectors.negate(mixed);
        }
    }

    @Override
    public void close() {
        gradWithGraph.close();
        cost.close();
    }
}
