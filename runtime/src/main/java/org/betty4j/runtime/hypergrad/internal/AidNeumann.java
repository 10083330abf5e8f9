package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradientDivergenceException;

import ai.djl.ndarray.NDList;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approximate implicit differentiation with a truncated Neumann series:
 * {@code H⁻¹v ≈ α Σ_{j=0..k} (I − αH)^j v} ({@code k} Hessian-vector products), then
 * {@code −(∂²C_curr/∂θ_prev∂θ_curr)·x}. The series converges when all eigenvalues of
 * {@code H} lie in {@code (0, 2/α)}, i.e. {@code α < 2/L} for the largest curvature L.
 *
 * <p>Divergence is detected, not returned: a non-finite term, or a term norm that grew by more
 * than {@value #GROWTH} (relative) over each of the last {@code min(3, k)} terms, throws a
 * {@link HypergradientDivergenceException}. For a symmetric {@code H} a growing term proves
 * that {@code I − αH} has an eigenvalue beyond ±1 (α too big, or negative curvature): more
 * terms only make it worse. The relative margin ignores rounding in flat directions.
 */
public final class AidNeumann implements BestResponseJacobian {

    private static final Logger LOG = LoggerFactory.getLogger(AidNeumann.class);

    /** Relative growth per term that counts as growing. */
    static final double GROWTH = 1e-3;

    /** Consecutive growing terms that prove divergence (fewer when k is smaller). */
    static final int PATIENCE = 3;

    private volatile double lastTermRatio = Double.NaN;

    /** {@code ‖(I − αH)^k v‖ / ‖v‖} of the last product: how far the series had converged. */
    public double lastTermRatio() {
        return lastTermRatio;
    }

    /** {@code neumann_last_term_ratio}: ‖(I − αH)^k v‖ / ‖v‖ of the last product. */
    @Override
    public Map<String, Double> lastDiagnostics() {
        return Double.isNaN(lastTermRatio) ? Map.of() : Map.of("neumann_last_term_ratio", lastTermRatio);
    }

    @Override
    public NDList apply(NDList v, JacobianContext ctx) {
        double rhsNorm = Vectors.norm(v);
        if (rhsNorm == 0) {
            lastTermRatio = 0;
            return Vectors.zerosLike(ctx.prevParams(), v.get(0).getManager());
        }
        double alpha = ctx.config().alpha();
        int terms = ctx.config().iterations();
        int patience = Math.min(PATIENCE, terms);
        try (CurvatureProducts products = new CurvatureProducts(ctx)) {
            NDList term = Vectors.scale(v, 1);
            NDList sum = Vectors.scale(v, 1);
            double previousNorm = rhsNorm;
            int growing = 0;
            for (int j = 1; j <= terms; j++) {
                NDList next;
                try (NDList hv = products.hessianTimes(term)) {
                    next = Vectors.axpy(term, -alpha, hv);
                }
                term.close();
                term = next;
                double norm = Vectors.norm(term);
                growing = norm > (1 + GROWTH) * previousNorm ? growing + 1 : 0;
                if (!Double.isFinite(norm) || growing >= patience) {
                    term.close();
                    sum.close();
                    throw divergence(ctx, alpha, j, norm, rhsNorm, growing);
                }
                previousNorm = norm;
                NDList added = Vectors.add(sum, term);
                sum.close();
                sum = added;
            }
            lastTermRatio = previousNorm / rhsNorm;
            LOG.debug("{} -> {}: AID_NEUMANN {} terms, last term ratio {}", ctx.currName(), ctx.prevName(), terms,
                    lastTermRatio);
            term.close();
            try (NDList x = Vectors.scale(sum, alpha)) {
                sum.close();
                return products.negatedMixedTimes(x);
            }
        }
    }

    private static HypergradientDivergenceException divergence(JacobianContext ctx, double alpha, int j, double norm,
            double rhsNorm, int growing) {
        String why = Double.isFinite(norm) ? "it grew over " + growing + " consecutive terms" : "it is not finite";
        return new HypergradientDivergenceException(ctx.currName(), ctx.currName() + ": AID_NEUMANN diverges with alpha = "
                + alpha + ": term " + j + " of the series, (I - alpha*H)^" + j + " v, has norm " + norm + " (|v| = "
                + rhsNorm + "); " + why + " while carrying the gradient to " + ctx.prevName() + ". The series converges "
                + "only for alpha < 2/L, L the largest eigenvalue of the Hessian of " + ctx.currName() + "'s cost, and "
                + "a positive-definite Hessian. Fix: lower alpha (try " + alpha / 4 + "), or use AID_CG", alpha, j, norm);
    }
}
