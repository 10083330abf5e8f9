package org.betty4j.runtime.hypergrad;

import org.betty4j.annotations.HypergradMethod;

/** The best-response Jacobian implementation of each method. */
public final class Hypergradients {

    private Hypergradients() {}

    /**
     * The implementation for {@code config}; throws for a method this runtime version does not
     * provide, or a setting that means nothing for it, naming the problem, so a program fails
     * before its first step.
     */
    public static BestResponseJacobian forConfig(String problemName, HypergradConfig config) {
        HypergradMethod method = config.method();
        switch (method) {
            case AID_FD:
                return new AidFiniteDifference();
            case AID_CG:
                requireSecondOrder(problemName, config);
                return new AidConjugateGradient();
            case AID_NEUMANN:
                requireSecondOrder(problemName, config);
                return new AidNeumann();
            default:
                throw new UnsupportedOperationException(problemName + ": hypergradient method " + method
                        + " is not available in this runtime yet; use AID_CG, AID_NEUMANN or AID_FD");
        }
    }

    private static void requireSecondOrder(String problemName, HypergradConfig config) {
        if (config.firstOrder()) {
            throw new IllegalArgumentException(problemName + ": " + config.method() + " with firstOrder = true means "
                    + "nothing (it inverts the Hessian, a second-order quantity). Fix: drop firstOrder, or use AID_FD");
        }
    }
}
