package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.optim.Optimizer;

/** The implementation of each hypergradient method: the one place that maps a {@link HypergradMethod} to its class. */
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

    /**
     * The method of the problem {@code settings} describe, validated against its settings
     * ({@link BestResponseJacobian#validate}): throws, naming the problem and the fix, before any
     * work. An engine uses one instance per problem for one run.
     */
    public static BestResponseJacobian forProblem(ProblemSettings settings) {
        BestResponseJacobian method = forConfig(settings.name(), settings.config());
        method.validate(settings);
        return method;
    }

    /**
     * The differentiable update rule of {@code optimizer} for ITD_RMAD, or an error naming the
     * problem and the optimizer when the runtime cannot differentiate through it.
     */
    public static UnrolledOptimizer unrolled(String problemName, Optimizer optimizer) {
        return optimizer.updateRule().<UnrolledOptimizer>map(rule -> new UnrolledRule(optimizer, rule))
                .orElseThrow(() -> new IllegalStateException(problemName + ": ITD_RMAD differentiates through an "
                        + "optimizer's update rule (Optimizer.updateRule(), which the runtime's Sgd and Adam in "
                        + "org.betty4j.runtime.optim provide), but optimizer() returned "
                        + optimizer.getClass().getName() + ", which has none. Fix: return an Sgd or an Adam from "
                        + "optimizer(), or use AID_CG, AID_NEUMANN or AID_FD for this problem"));
    }

    private static void requireSecondOrder(String problemName, HypergradConfig config) {
        if (config.firstOrder()) {
            throw new IllegalArgumentException(problemName + ": " + config.method() + " with firstOrder = true means "
                    + "nothing (it inverts the Hessian, a second-order quantity). Fix: drop firstOrder, or use AID_FD");
        }
    }
}
