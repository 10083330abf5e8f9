package org.betty4j.runtime.hypergrad;

import java.util.Objects;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Rules;

/**
 * A problem's best-response Jacobian method with its parameters resolved (no sentinels).
 *
 * @param method the method
 * @param alpha AID_FD radius, AID_CG scale, AID_NEUMANN step; ignored by ITD_RMAD
 * @param iterations AID_CG / AID_NEUMANN iterations; ignored otherwise
 * @param firstOrder drop second-order terms where the method allows it
 */
public record HypergradConfig(HypergradMethod method, double alpha, int iterations, boolean firstOrder) {

    public HypergradConfig {
        Objects.requireNonNull(method, "method");
        if (method.usesAlpha()) {
            Rules.ALPHA.require(method.name(), alpha);
        }
        if (method.usesIterations()) {
            Rules.ITERATIONS.require(method.name(), iterations);
        }
    }

    /** The method with its documented defaults. */
    public static HypergradConfig defaults(HypergradMethod method) {
        return new HypergradConfig(method, method.defaultAlpha(), method.defaultIterations(), false);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(method.name());
        if (method.usesAlpha()) {
            s.append("(alpha=").append(alpha);
            if (method.usesIterations()) {
                s.append(", iterations=").append(iterations);
            }
            s.append(')');
        }
        if (firstOrder) {
            s.append(" first-order");
        }
        return s.toString();
    }
}
