package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.Autograd;

/**
 * What a best-response Jacobian product may use: the two problems' parameter arrays (the
 * live arrays, which it may perturb only if it restores them exactly), a way to evaluate
 * {@code curr}'s cost on the batch of its last step at the current parameter values, the
 * method configuration, the autograd facade and, for ITD_RMAD, {@code curr}'s recorded inner
 * loop.
 *
 * @param currName the problem differentiated through
 * @param prevName the problem whose parameters {@code curr}'s cost uses
 * @param currParams {@code curr}'s parameters
 * @param prevParams {@code prev}'s parameters
 * @param currCost evaluates {@code curr}'s cost (scalar, with a gradient graph) on its last batch
 * @param config the method and its resolved parameters
 * @param autograd the facade
 * @param innerLoop {@code curr}'s recorded inner loop (ITD_RMAD); null when nothing is recorded
 */
public record JacobianContext(
        String currName,
        String prevName,
        NDList currParams,
        NDList prevParams,
        Supplier<NDArray> currCost,
        HypergradConfig config,
        Autograd autograd,
        InnerLoop innerLoop) {

    /** A context without a recorded inner loop (enough for the AID methods). */
    public JacobianContext(String currName, String prevName, NDList currParams, NDList prevParams,
            Supplier<NDArray> currCost, HypergradConfig config, Autograd autograd) {
        this(currName, prevName, currParams, prevParams, currCost, config, autograd, null);
    }
}
