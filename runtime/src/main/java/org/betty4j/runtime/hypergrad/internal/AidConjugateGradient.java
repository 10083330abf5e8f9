package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import java.util.Map;
import ai.djl.ndarray.types.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approximate implicit differentiation with conjugate gradients: {@code k} CG iterations on
 * {@code H x = v}, {@code H = ∂²C_curr/∂θ_curr²}, with exact Hessian-vector products, then
 * {@code −(∂²C_curr/∂θ_prev∂θ_curr)·x}.
 *
 * <p>How α enters: CG runs on the scaled system {@code (αH) y = v} and returns
 * {@code x = α y}. CG is invariant to scaling the operator, so in exact arithmetic the result
 * does not depend on α (it only moves the numbers' range); this is what Betty's {@code cg}
 * intends (its first iteration is exactly α-free). With {@code k ≥ dim θ_curr} iterations
 * the result is the exact implicit product up to rounding.
 *
 * <p>CG needs positive curvature along its directions: a direction with {@code pᵀHp ≤ 0}
 * (a non-convex lower cost) stops the step with an exception instead of returning garbage.
 * The iterations stop early once the residual is below rounding level. The final residual
 * {@code ‖v − H x‖} (by CG's recurrence) of the last product is available from
 * {@link #lastSolve()} and logged at debug level.
 */
public final class AidConjugateGradient implements BestResponseJacobian {

    private static final Logger LOG = LoggerFactory.getLogger(AidConjugateGradient.class);

    /**
     * What the last product's solve did.
     *
     * @param iterations CG iterations run (fewer than configured when the residual vanished)
     * @param residualNorm final {@code ‖v − H x‖}
     * @param rhsNorm {@code ‖v‖}, to read the residual relatively
     */
    public record Solve(int iterations, double residualNorm, double rhsNorm) {}

    private volatile Solve lastSolve;

    /** The last product's solve, or null before the first. */
    public Solve lastSolve() {
        return lastSolve;
    }

    /** {@code cg_iterations}, {@code cg_residual} (‖v − Hx‖) and {@code cg_relative_residual} (÷ ‖v‖). */
    @Override
    public Map<String, Double> lastDiagnostics() {
        Solve solve = lastSolve;
        if (solve == null) {
            return Map.of();
        }
        return Map.of("cg_iterations", (double) solve.iterations(), "cg_residual", solve.residualNorm(),
                "cg_relative_residual", solve.rhsNorm() == 0 ? 0 : solve.residualNorm() / solve.rhsNorm());
    }

    @Override
    public NDList apply(NDList v, JacobianContext ctx) {
        double rhsNorm = Vectors.norm(v);
        if (rhsNorm == 0) {
            lastSolve = new Solve(0, 0, 0);
            return Vectors.zerosLike(ctx.prevParams(), v.get(0).getManager());
        }
        double alpha = ctx.config().alpha();
        int iterations = ctx.config().iterations();
        double converged = 10 * machineEpsilon(v.get(0).getDataType()) * rhsNorm;
        try (CurvatureProducts products = new CurvatureProducts(ctx)) {
            NDList y = Vectors.zerosLike(v, v.get(0).getManager());
            NDList r = Vectors.scale(v, 1);
            NDList p = Vectors.scale(v, 1);
            double rr = rhsNorm * rhsNorm;
            int done = 0;
            while (done < iterations && Math.sqrt(rr) > converged) {
                NDList ap;
                try (NDList hp = products.hessianTimes(p)) {
                    ap = Vectors.scale(hp, alpha);
                }
                double curvature = Vectors.dot(p, ap);
                if (!(curvature > 0)) {
                    throw new IllegalStateException(ctx.currName() + ": AID_CG met curvature pᵀ(αH)p = " + curvature
                            + " at iteration " + (done + 1) + " (alpha = " + alpha + ") while carrying the gradient to "
                            + ctx.prevName() + "; CG needs a positive-definite Hessian of " + ctx.currName()
                            + "'s cost. Fix: make the cost strongly convex near its optimum (e.g. weight decay), or use "
                            + "AID_NEUMANN with a small alpha, or AID_FD");
                }
                double step = rr / curvature;
                y = replace(y, Vectors.axpy(y, step, p));
                r = replace(r, Vectors.axpy(r, -step, ap));
                ap.close();
                double rrNext = Vectors.dot(r, r);
                p = replace(p, Vectors.axpy(r, rrNext / rr, p));
                rr = rrNext;
                done++;
            }
            Solve solve = new Solve(done, Math.sqrt(rr), rhsNorm);
            lastSolve = solve;
            LOG.debug("{} -> {}: AID_CG {} iterations, residual {} (|v| {})", ctx.currName(), ctx.prevName(),
                    solve.iterations(), solve.residualNorm(), solve.rhsNorm());
            r.close();
            p.close();
            try (NDList x = Vectors.scale(y, alpha)) {
                y.close();
                return products.negatedMixedTimes(x);
            }
        }
    }

    private static NDList replace(NDList old, NDList next) {
        old.close();
        return next;
    }

    static double machineEpsilon(DataType type) {
        return type == DataType.FLOAT64 ? Math.ulp(1.0) : Math.ulp(1.0f);
    }
}
