package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.betty4j.runtime.autograd.GradMode;

/**
 * AID with the identity for the inverse Hessian and a central finite difference for the
 * mixed second derivative (DARTS; Betty's {@code darts}):
 * {@code -(∂²C/∂θ_prev∂θ_curr)·v ≈ (∇_prev C(θ_curr - εv) - ∇_prev C(θ_curr + εv)) / 2ε},
 * {@code ε = α/‖v‖}. Only first derivatives are taken; the error is O(ε²).
 *
 * <p>With {@link HypergradConfig#firstOrder()} the mixed second-order term is dropped, as in
 * DARTS' first-order variant: the best response is treated as constant and the product is zero,
 * so the upper problem follows only its direct gradient along this path.
 *
 * <p>{@code curr}'s parameters are restored bit-exactly from a copy afterwards (adding and
 * subtracting εv would leave rounding residue in them).
 */
public final class AidFiniteDifference implements BestResponseJacobian {

    @Override
    public NDList apply(NDList v, JacobianContext ctx) {
        if (ctx.config().firstOrder()) {
            return Vectors.zerosLike(ctx.prevParams(), v.get(0).getManager());
        }
        double norm = Vectors.norm(v);
        if (norm == 0) {
            // nothing flows back: the upper cost does not depend on this optimum
            return Vectors.zerosLike(ctx.prevParams(), v.get(0).getManager());
        }
        double eps = ctx.config().alpha() / norm;
        NDList saved = Vectors.copy(ctx.currParams(), v.get(0).getManager());
        NDList gradPlus;
        NDList gradMinus;
        // only ∇_prev is taken: curr's parameters build no graph while the two costs are computed,
        // so a backward through them does not also differentiate with respect to curr
        boolean[] required = setRequiresGradient(ctx.currParams(), null);
        try {
            perturb(ctx.currParams(), v, eps);
            gradPlus = prevGradient(ctx);
            perturb(ctx.currParams(), v, -2 * eps);
            gradMinus = prevGradient(ctx);
        } finally {
            restore(ctx.currParams(), saved);
            setRequiresGradient(ctx.currParams(), required);
        }
        NDList out = new NDList(gradPlus.size());
        for (int i = 0; i < gradPlus.size(); i++) {
            out.add(gradMinus.get(i).sub(gradPlus.get(i)).divi(2 * eps));
        }
        return out;
    }

    private static NDList prevGradient(JacobianContext ctx) {
        // zeros when, with curr's parameters held constant, the cost reads none of prev's
        return ctx.autograd().gradOrZeros(ctx.currCost().get(), ctx.prevParams());
    }

    /**
     * Sets whether each of {@code params} requires gradients: to false when {@code previous} is
     * null, else back to {@code previous}; returns the settings it replaced.
     */
    private static boolean[] setRequiresGradient(NDList params, boolean[] previous) {
        boolean[] was = new boolean[params.size()];
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            was[i] = p.hasGradient();
            boolean to = previous != null && previous[i];
            if (was[i] != to) {
                p.setRequiresGradient(to);
            }
        }
        return was;
    }

    private static void perturb(NDList params, NDList v, double scale) {
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < params.size(); i++) {
                params.get(i).addi(v.get(i).mul(scale));
            }
        }
    }

    private static void restore(NDList params, NDList saved) {
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                p.muli(0).addi(saved.get(i));
            }
        }
    }
}
