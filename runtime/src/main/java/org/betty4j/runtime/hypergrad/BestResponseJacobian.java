package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDList;

/**
 * One best-response Jacobian product: carries a vector {@code v}, shaped like the parameters
 * of the problem {@code curr}, to the parameters of {@code prev}, a problem whose parameters
 * {@code curr}'s cost uses: {@code (∂θ*_curr/∂θ_prev)ᵀ v}.
 *
 * <p>Implementations use only {@link org.betty4j.runtime.autograd.Autograd} and the context.
 */
public interface BestResponseJacobian {

    NDList apply(NDList v, JacobianContext context);
}
