package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.GradMode;

/**
 * Reverse-mode differentiation through recorded SGD updates (the core of ITD_RMAD, not yet wired
 * into the engine): given the updates {@code d_t = ∇_θC_t(θ_{t−1}, λ) + wd·θ_{t−1}},
 * {@code b_t = μ·b_{t−1} + d_t} ({@code b_0 = 0}), {@code θ_t = θ_{t−1} − η_t·b_t} — exactly what
 * {@link org.betty4j.runtime.optim.Sgd} does — it returns {@code (dθ_T/dλ)ᵀ v}, exact for the
 * unrolled procedure. Each step costs one graph-carrying gradient and one vector-Jacobian
 * product with respect to θ and λ together (a Hessian-vector and a mixed product).
 *
 * <p>Reverse recurrence, with adjoints {@code a = θ̄} and {@code c = b̄}: start {@code a = v},
 * {@code c = 0}; for t = T…1: {@code c ← c − η_t a}; with {@code ḡ = c} at {@code θ_{t−1}}:
 * {@code a ← a + wd·c + H_t ḡ}, {@code λ̄ ← λ̄ + (∂²C_t/∂λ∂θ) ḡ}; then {@code c ← μ c}.
 *
 * <p>The live parameter arrays are set to each recorded {@code θ_{t−1}} in turn (recording
 * off) and restored to their values on entry afterwards.
 */
public final class UnrolledSgd {

    /**
     * One recorded update.
     *
     * @param paramsBefore θ before the update (detached copies)
     * @param learningRate η of this update
     * @param cost evaluates this update's cost (its batch) at the live parameters
     */
    public record Step(NDList paramsBefore, double learningRate, Supplier<NDArray> cost) {}

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

    /**
     * {@code (dθ_T/dλ)ᵀ v} through {@code steps} (in the order they were taken), where θ are
     * {@code params} (live) and λ are {@code hyper}, the arrays the costs also read.
     */
    public NDList vjp(NDList params, NDList hyper, List<Step> steps, NDList v, Autograd autograd) {
        if (!GradMode.isEnabled()) {
            throw new IllegalStateException("ITD through SGD needs gradient recording to take second derivatives; "
                    + "open a GradientCollector around the call");
        }
        NDList inputs = new NDList(params.size() + hyper.size());
        inputs.addAll(params);
        inputs.addAll(hyper);
        NDList saved = Vectors.copy(params, v.get(0).getManager());
        NDList a = Vectors.scale(v, 1);
        NDList c = Vectors.scale(v, 0);
        NDList hyperAdjoint = Vectors.zerosLike(hyper, v.get(0).getManager());
        try {
            for (int t = steps.size() - 1; t >= 0; t--) {
                Step step = steps.get(t);
                c = replace(c, Vectors.axpy(c, -step.learningRate(), a));
                setTo(params, step.paramsBefore());
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
            setTo(params, saved);
            saved.close();
            a.close();
            c.close();
        }
        return hyperAdjoint;
    }

    private static NDList replace(NDList old, NDList next) {
        old.close();
        return next;
    }

    private static void setTo(NDList params, NDList values) {
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < params.size(); i++) {
                params.get(i).muli(0).addi(values.get(i));
            }
        }
    }
}
