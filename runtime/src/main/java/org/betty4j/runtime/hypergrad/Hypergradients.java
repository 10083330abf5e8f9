package org.betty4j.runtime.hypergrad;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;

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
            case ITD_RMAD:
                return new IterativeDifferentiation();
            default:
                throw new UnsupportedOperationException(problemName + ": hypergradient method " + method
                        + " is not available in this runtime yet; use AID_CG, AID_NEUMANN, AID_FD or ITD_RMAD");
        }
    }

    /** Whether the engine must record {@code config}'s problem's updates (ITD_RMAD, not first-order). */
    public static boolean recordsUpdates(HypergradConfig config) {
        return config.method() == HypergradMethod.ITD_RMAD && !config.firstOrder();
    }

    /**
     * The differentiable update rule of {@code optimizer} for ITD_RMAD, or an error naming the
     * problem and the optimizer when the runtime cannot differentiate through it.
     */
    public static UnrolledOptimizer unrolled(String problemName, Optimizer optimizer) {
        if (optimizer instanceof Sgd sgd) {
            return new UnrolledSgd(sgd.momentum(), sgd.weightDecay());
        }
        if (optimizer instanceof Adam adam) {
            return new UnrolledAdam(adam);
        }
        throw new IllegalStateException(problemName + ": ITD_RMAD differentiates through the runtime's Sgd "
                + "(with momentum and weight decay) and Adam (org.betty4j.runtime.optim), but optimizer() returned "
                + optimizer.getClass().getName() + ", whose update rule it cannot differentiate. Fix: return an Sgd "
                + "or an Adam from optimizer(), or use AID_CG, AID_NEUMANN or AID_FD for this problem");
    }

    private static void requireSecondOrder(String problemName, HypergradConfig config) {
        if (config.firstOrder()) {
            throw new IllegalArgumentException(problemName + ": " + config.method() + " with firstOrder = true means "
                    + "nothing (it inverts the Hessian, a second-order quantity). Fix: drop firstOrder, or use AID_FD");
        }
    }
}
