package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.UpdateRule;

/**
 * ITD_RMAD through an optimizer's {@link UpdateRule}: the reverse pass differentiates the
 * rule the optimizer itself applies (see {@link ReverseSweep}), so every optimizer with a rule
 * (the runtime's Sgd with momentum and weight decay, Adam) is differentiated the same way.
 */
final class UnrolledRule implements UnrolledOptimizer {

    private final Optimizer optimizer;
    private final UpdateRule rule;

    UnrolledRule(Optimizer optimizer, UpdateRule rule) {
        this.optimizer = optimizer;
        this.rule = rule;
    }

    @Override
    public NDList stateBefore(NDList params, NDManager manager) {
        return optimizer.stateCopies(params, manager);
    }

    @Override
    public NDList vjp(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v,
            Autograd autograd) {
        return ReverseSweep.run(params, hyper, varying, steps, v, autograd, rule);
    }

    @Override
    public String toString() {
        return rule.toString();
    }
}
