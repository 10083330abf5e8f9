package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDList;
import java.util.Map;

/**
 * One best-response Jacobian product: carries a vector {@code v}, shaped like the parameters
 * of the problem {@code curr}, to the parameters of {@code prev}, a problem whose parameters
 * {@code curr}'s cost uses: {@code (∂θ*_curr/∂θ_prev)ᵀ v}.
 *
 * <p>Implementations use only {@link org.betty4j.runtime.autograd.Autograd} and the context.
 */
public interface BestResponseJacobian {

    NDList apply(NDList v, JacobianContext context);

    /**
     * Numbers describing the last product (AID_CG's residual, AID_NEUMANN's last term, the
     * updates ITD_RMAD went through), which the engine adds to the upper problem's step metrics
     * as {@code <problem>.<name>}; empty by default.
     */
    default Map<String, Double> lastDiagnostics() {
        return Map.of();
    }
}
