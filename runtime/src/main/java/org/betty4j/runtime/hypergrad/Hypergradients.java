package org.betty4j.runtime.hypergrad;

import org.betty4j.annotations.HypergradMethod;

/** The best-response Jacobian implementation of each method. */
public final class Hypergradients {

    private Hypergradients() {}

    /**
     * The implementation for {@code config}; throws for a method this runtime version does not
     * provide, naming the problem, so a program fails before its first step.
     */
    public static BestResponseJacobian forConfig(String problemName, HypergradConfig config) {
        HypergradMethod method = config.method();
        if (method == HypergradMethod.AID_FD) {
            return new AidFiniteDifference();
        }
        throw new UnsupportedOperationException(problemName + ": hypergradient method " + method
                + " is not available in this runtime yet; use AID_FD");
    }
}
