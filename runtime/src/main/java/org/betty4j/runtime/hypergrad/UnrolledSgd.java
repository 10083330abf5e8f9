package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDList;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;

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
 * {@code a ← a + wd·c + H_t ḡ}, {@code λ̄ ← λ̄ + (∂²C_t/∂λ∂θ) ḡ}; then {@code c ← μ c}
 * ({@link ReverseSweep} does the part every optimizer shares).
 */
final class UnrolledSgd implements UnrolledOptimizer {

    private final double momentum;
    private final double weightDecay;

    UnrolledSgd(double momentum, double weightDecay) {
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
        return ReverseSweep.run(params, hyper, varying, steps, v, autograd, weightDecay,
                new MomentumAdjoint(Vectors.scale(v, 0)));
    }

    /** {@code c = b̄}, the momentum buffer's adjoint: {@code c ← μc − η_t a}, and ḡ = c. */
    private final class MomentumAdjoint implements ReverseSweep.OptimizerAdjoint {
        private NDList c;

        MomentumAdjoint(NDList zeros) {
            this.c = zeros;
        }

        @Override
        public NDList gradientAdjoint(RecordedStep step, NDList a, NDList params, NDList grad) {
            // μ·c carries the later update's buffer adjoint back (c is zero before the last update)
            c = ReverseSweep.replace(c, Vectors.scale(c, momentum));
            c = ReverseSweep.replace(c, Vectors.axpy(c, -step.learningRate(), a));
            return Vectors.scale(c, 1);
        }

        @Override
        public void close() {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "Sgd(momentum=" + momentum + ", weightDecay=" + weightDecay + ")";
    }
}
