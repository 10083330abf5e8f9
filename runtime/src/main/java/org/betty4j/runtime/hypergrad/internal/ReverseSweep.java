package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.UpdateRule;

/**
 * Reverse-mode differentiation through recorded updates of an {@link UpdateRule}:
 * {@code (dθ_T/dλ)ᵀ v}. Each update is {@code (θ', S') = (θ − Δ, S')} with
 * {@code (Δ, S') = rule(θ, ∇_θC_t(θ, λ), S)}; walking the updates backwards with the adjoints
 * {@code a = θ̄} (from v) and {@code Ā} of the optimizer state (from 0), each update is one
 * graph-carrying gradient and one vector-Jacobian product of the rule's outputs
 * {@code (θ', S')} with respect to {@code (θ, S, λ)} seeded with {@code (a, Ā)}; the λ part adds
 * into λ̄. The rule's own arrays are differentiated, so the update and its adjoint are one
 * definition. The state before each update is recorded ({@link RecordedStep#optimizerStateBefore()});
 * the state at the loop's start is a constant. The live arrays are set to each recorded step's
 * values and restored on exit.
 */
final class ReverseSweep {

    private ReverseSweep() {}

    static NDList run(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v,
            Autograd autograd, UpdateRule rule) {
        if (!GradMode.isEnabled()) {
            throw new IllegalStateException("ITD needs gradient recording to take second derivatives through the "
                    + "unrolled updates; the engine's step provides it, elsewhere open a GradientCollector around "
                    + "the call");
        }
        int n = params.size();
        int k = rule.stateArrays();
        NDManager home = v.get(0).getManager();
        try (LiveArrays live = new LiveArrays(params, varying, home)) {
            NDList a = Vectors.scale(v, 1);
            NDList stateAdjoint = new NDList();
            for (int j = 0; j < k; j++) {
                stateAdjoint.addAll(Vectors.zerosLike(params, home));
            }
            NDList hyperAdjoint = Vectors.zerosLike(hyper, home);
            try {
                for (int t = steps.size() - 1; t >= 0; t--) {
                    RecordedStep step = steps.get(t);
                    NDList stateBefore = step.optimizerStateBefore();
                    if (stateBefore.size() != k * n || step.update() < 1) {
                        throw new IllegalStateException("a recorded update of " + rule + " needs its " + k
                                + " state arrays for each of its " + n + " parameters and its update index; got "
                                + stateBefore.size() + " arrays and index " + step.update());
                    }
                    stateBefore.forEach(s -> s.setRequiresGradient(true));
                    live.setTo(step);
                    NDArray cost = step.cost().get();
                    try (NDList grad = autograd.grad(cost, params, true)) {
                        NDList outputs = new NDList(n + k * n);
                        NDList nextState = new NDList(k * n);
                        for (int i = 0; i < n; i++) {
                            NDList state = new NDList(k);
                            for (int j = 0; j < k; j++) {
                                state.add(stateBefore.get(j * n + i));
                            }
                            NDList out = rule.apply(params.get(i), grad.get(i), state, (float) step.learningRate(),
                                    step.update());
                            outputs.add(params.get(i).sub(out.get(0)));
                            for (int j = 0; j < k; j++) {
                                nextState.add(out.get(1 + j));
                            }
                        }
                        // nextState is ordered parameter-major; the seeds and inputs are state-major
                        for (int j = 0; j < k; j++) {
                            for (int i = 0; i < n; i++) {
                                outputs.add(nextState.get(i * k + j));
                            }
                        }
                        NDList seeds = new NDList(a);
                        seeds.addAll(stateAdjoint);
                        NDList inputs = new NDList(params);
                        inputs.addAll(stateBefore);
                        inputs.addAll(hyper);
                        try (NDList products = autograd.vjp(outputs, inputs, seeds, false)) {
                            a = replace(a, Vectors.scale(new NDList(products.subList(0, n)), 1));
                            stateAdjoint = replace(stateAdjoint,
                                    Vectors.scale(new NDList(products.subList(n, n + k * n)), 1));
                            hyperAdjoint = replace(hyperAdjoint, Vectors.add(hyperAdjoint,
                                    new NDList(products.subList(n + k * n, products.size()))));
                        }
                    } finally {
                        cost.close();
                    }
                }
            } finally {
                a.close();
                stateAdjoint.close();
            }
            return hyperAdjoint;
        }
    }

    static NDList replace(NDList old, NDList next) {
        old.close();
        return next;
    }
}
