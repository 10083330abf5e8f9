package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.GradMode;

/**
 * The reverse pass ITD_RMAD shares across optimizers. Every supported update reads θ only
 * through itself and its gradient {@code d = ∇_θC_t(θ, λ) + wd·θ}; so, walking the recorded
 * updates backwards with {@code a = θ̄} (from {@code a = v}), each update contributes, for the
 * gradient's adjoint ḡ its optimizer derives ({@link OptimizerAdjoint}),
 * {@code a ← a + wd·ḡ + H_t ḡ} and {@code λ̄ ← λ̄ + (∂²C_t/∂λ∂θ) ḡ}: one graph-carrying gradient
 * and one vector-Jacobian product w.r.t. θ and λ together. The live arrays are set to each
 * recorded step's values and restored on exit.
 */
final class ReverseSweep {

    /** The adjoints of an optimizer's own state during a reverse pass. */
    interface OptimizerAdjoint extends AutoCloseable {

        /**
         * ḡ for {@code step}, given {@code a} = θ̄ after the update, the live parameters at θ
         * before it and their gradient {@code grad} (with its graph; read its values only); moves
         * the state adjoints to before the update. The caller closes the result.
         */
        NDList gradientAdjoint(RecordedStep step, NDList a, NDList params, NDList grad);

        @Override
        void close();
    }

    private ReverseSweep() {}

    static NDList run(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v,
            Autograd autograd, double weightDecay, OptimizerAdjoint state) {
        try (state) {
            if (!GradMode.isEnabled()) {
                throw new IllegalStateException("ITD needs gradient recording to take second derivatives through the "
                        + "unrolled updates; the engine's step provides it, elsewhere open a GradientCollector around "
                        + "the call");
            }
            return sweep(params, hyper, varying, steps, v, autograd, weightDecay, state);
        }
    }

    private static NDList sweep(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v,
            Autograd autograd, double weightDecay, OptimizerAdjoint state) {
        int n = params.size();
        NDManager home = v.get(0).getManager();
        NDList inputs = new NDList(n + hyper.size());
        inputs.addAll(params);
        inputs.addAll(hyper);
        try (LiveArrays live = new LiveArrays(params, varying, home)) {
            NDList a = Vectors.scale(v, 1);
            NDList hyperAdjoint = Vectors.zerosLike(hyper, home);
            try {
                for (int t = steps.size() - 1; t >= 0; t--) {
                    RecordedStep step = steps.get(t);
                    live.setTo(step);
                    NDArray cost = step.cost().get();
                    try (NDList grad = autograd.grad(cost, params, true);
                            NDList gradAdjoint = state.gradientAdjoint(step, a, params, grad);
                            NDList products = autograd.vjp(grad, inputs, gradAdjoint, false)) {
                        NDList next = Vectors.add(a, new NDList(products.subList(0, n)));
                        if (weightDecay != 0) {
                            next = replace(next, Vectors.axpy(next, weightDecay, gradAdjoint));
                        }
                        a = replace(a, next);
                        hyperAdjoint = replace(hyperAdjoint,
                                Vectors.add(hyperAdjoint, new NDList(products.subList(n, products.size()))));
                    } finally {
                        cost.close();
                    }
                }
            } finally {
                a.close();
            }
            return hyperAdjoint;
        }
    }

    static NDList replace(NDList old, NDList next) {
        old.close();
        return next;
    }
}
