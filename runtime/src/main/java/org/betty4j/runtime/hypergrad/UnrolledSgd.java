package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.GradMode;

/**
 * Reverse-mode differentiation through recorded SGD updates (ITD_RMAD for the runtime's
 * {@link org.betty4j.runtime.optim.Sgd}): given the updates
 * {@code d_t = ∇_θC_t(θ_{t−1}, λ) + wd·θ_{t−1}}, {@code b_t = μ·b_{t−1} + d_t},
 * {@code θ_t = θ_{t−1} − η_t·b_t} — exactly what {@code Sgd} does — it returns
 * {@code (dθ_T/dλ)ᵀ v}, exact for the unrolled procedure. The momentum buffer {@code b_0} at the
 * loop's start is a constant (the recurrence does not need its value). Each step costs one
 * graph-carrying gradient and one vector-Jacobian product with respect to θ and λ together
 * (a Hessian-vector and a mixed product).
 *
 * <p>Reverse recurrence, with adjoints {@code a = θ̄} and {@code c = b̄}: start {@code a = v},
 * {@code c = 0}; for t = T…1: {@code c ← c − η_t a}; with {@code ḡ = c} at {@code θ_{t−1}}:
 * {@code a ← a + wd·c + H_t ḡ}, {@code λ̄ ← λ̄ + (∂²C_t/∂λ∂θ) ḡ}; then {@code c ← μ c}.
 *
 * <p>The live parameter arrays are set to each recorded {@code θ_{t−1}} in turn (recording
 * off) and restored to their values on entry afterwards.
 */
public final class UnrolledSgd implements UnrolledOptimizer {

    private final double momentum;
    private final double weightDecay;

    public UnrolledSgd(double momentum, double weightDecay) {
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public NDList vjp(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v,
            Autograd autograd) {
        requireRecording();
        NDList inputs = new NDList(params.size() + hyper.size());
        inputs.addAll(params);
        inputs.addAll(hyper);
        try (LiveArrays live = new LiveArrays(params, varying, v.get(0).getManager())) {
            NDList a = Vectors.scale(v, 1);
            NDList c = Vectors.scale(v, 0);
            NDList hyperAdjoint = Vectors.zerosLike(hyper, v.get(0).getManager());
            try {
                for (int t = steps.size() - 1; t >= 0; t--) {
                    RecordedStep step = steps.get(t);
                    c = replace(c, Vectors.axpy(c, -step.learningRate(), a));
                    live.setTo(step);
                    NDArray cost = step.cost().get();
                    try (NDList grad = autograd.grad(cost, params, true);
                            NDList products = autograd.vjp(grad, inputs, c, false)) {
                        NDList hessianPart = new NDList(products.subList(0, params.size()));
                        NDList mixedPart = new NDList(products.subList(params.size(), products.size()));
                        NDList next = Vectors.add(a, hessianPart);
                        if (weightDecay != 0) {
                            next = replace(next, Vectors.axpy(next, weightDecay, c));
                        }
                        a = replace(a, next);
                        hyperAdjoint = replace(hyperAdjoint, Vectors.add(hyperAdjoint, mixedPart));
                    } finally {
                        cost.close();
                    }
                    c = replace(c, Vectors.scale(c, momentum));
                }
            } finally {
                a.close();
                c.close();
            }
            return hyperAdjoint;
        }
    }

    static void requireRecording() {
        if (!GradMode.isEnabled()) {
            throw new IllegalStateException("ITD needs gradient recording to take second derivatives through the "
                    + "unrolled updates; the engine's step provides it, elsewhere open a GradientCollector around the call");
        }
    }

    static NDList replace(NDList old, NDList next) {
        old.close();
        return next;
    }

    @Override
    public String toString() {
        return "Sgd(momentum=" + momentum + ", weightDecay=" + weightDecay + ")";
    }
}
