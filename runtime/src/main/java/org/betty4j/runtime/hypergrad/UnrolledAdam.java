package org.betty4j.runtime.hypergrad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.Adam;

/**
 * Reverse-mode differentiation through recorded {@link Adam} updates (ITD_RMAD): exactly what
 * {@code Adam} does at its k-th update, elementwise,
 * {@code d = ∇_θC(θ, λ) + wd·θ}, {@code m' = β₁m + (1−β₁)d}, {@code s' = β₂s + (1−β₂)d²},
 * {@code θ' = θ − η·(m'/c₁) / (√(s'/c₂) + ε)} with {@code c_i = 1 − β_i^k} — with the moments
 * m, s before each update recorded (they enter non-linearly). Returns {@code (dθ_T/dλ)ᵀ v}; the
 * moments at the loop's start are constants.
 *
 * <p>Reverse recurrence with adjoints {@code a = θ̄}, {@code p = m̄}, {@code q = s̄} (start
 * {@code a = v}, {@code p = q = 0}); for t = T…1, at θ_{t−1} with {@code D = √(s'/c₂) + ε}:
 * {@code p ← p − a·η/(c₁D)}, {@code q ← q + a·η·m'/(2c₁c₂·D²·√(s'/c₂))};
 * {@code ḡ = (1−β₁)p + 2(1−β₂)d·q}; {@code a ← a + wd·ḡ + H_t ḡ},
 * {@code λ̄ ← λ̄ + (∂²C_t/∂λ∂θ)ḡ}; {@code p ← β₁p}, {@code q ← β₂q}. Each update costs one
 * graph-carrying gradient and one vector-Jacobian product, as for SGD. Where {@code s' = 0} the
 * update is {@code m' = 0}, so its derivative in s' is taken as 0 (the limit along m' = 0).
 * {@link ReverseSweep} does the part every optimizer shares.
 */
final class UnrolledAdam implements UnrolledOptimizer {

    private final Adam adam;

    UnrolledAdam(Adam adam) {
        this.adam = adam;
    }

    @Override
    public NDList stateBefore(NDList params, NDManager manager) {
        return adam.moments(params, manager);
    }

    @Override
    public NDList vjp(NDList params, NDList hyper, NDList varying, List<RecordedStep> steps, NDList v,
            Autograd autograd) {
        NDManager home = v.get(0).getManager();
        return ReverseSweep.run(params, hyper, varying, steps, v, autograd, adam.weightDecay(),
                new MomentsAdjoint(Vectors.zerosLike(params, home), Vectors.zerosLike(params, home), home));
    }

    /** {@code p = m̄} and {@code q = s̄}, the moments' adjoints. */
    private final class MomentsAdjoint implements ReverseSweep.OptimizerAdjoint {
        private NDList p;
        private NDList q;
        private final NDManager home;

        MomentsAdjoint(NDList p, NDList q, NDManager home) {
            this.p = p;
            this.q = q;
            this.home = home;
        }

        @Override
        public NDList gradientAdjoint(RecordedStep step, NDList a, NDList params, NDList grad) {
            int n = params.size();
            if (step.optimizerStateBefore().size() != 2 * n || step.update() < 1) {
                throw new IllegalStateException("a recorded Adam update needs both moments of its " + n
                        + " parameters and its update index; got " + step.optimizerStateBefore().size()
                        + " arrays and index " + step.update());
            }
            // β·p, β·q carry the later update's moment adjoints back (zero before the last update)
            p = ReverseSweep.replace(p, Vectors.scale(p, adam.beta1()));
            q = ReverseSweep.replace(q, Vectors.scale(q, adam.beta2()));
            return UnrolledAdam.this.gradientAdjoint(params, grad, step, a, p, q, home);
        }

        @Override
        public void close() {
            p.close();
            q.close();
        }
    }

    /**
     * ḡ for one update, in {@code home}; updates the moment adjoints {@code p} and {@code q} in
     * place (from after the update to m', s' of it). Computed without recording: these are
     * coefficients, not part of the graph being differentiated.
     */
    private NDList gradientAdjoint(NDList params, NDList grad, RecordedStep step, NDList a, NDList p, NDList q,
            NDManager home) {
        int n = params.size();
        float beta1 = adam.beta1();
        float beta2 = adam.beta2();
        float c1 = (float) (1 - Math.pow(beta1, step.update()));
        float c2 = (float) (1 - Math.pow(beta2, step.update()));
        double rate = step.learningRate();
        NDList out = new NDList(n);
        try (GradMode off = GradMode.disabled(); NDManager scratch = home.newSubManager()) {
            for (int i = 0; i < n; i++) {
                // every intermediate goes to scratch at once: operands live in long-lived managers
                NDArray theta = params.get(i);
                NDArray d = adam.weightDecay() == 0 ? kept(scratch, grad.get(i).mul(1))
                        : kept(scratch, kept(scratch, theta.mul(adam.weightDecay())).add(grad.get(i)));
                NDArray m = kept(scratch, kept(scratch, step.optimizerStateBefore().get(i).mul(beta1))
                        .add(kept(scratch, d.mul(1 - beta1))));
                NDArray s = kept(scratch, kept(scratch, step.optimizerStateBefore().get(n + i).mul(beta2))
                        .add(kept(scratch, kept(scratch, d.square()).mul(1 - beta2))));
                NDArray root = kept(scratch, kept(scratch, s.div(c2)).sqrt());
                NDArray denom = kept(scratch, root.add(adam.epsilon()));
                NDArray ai = a.get(i);
                // p ← p − a·η/(c₁D)
                p.get(i).subi(kept(scratch, kept(scratch, ai.mul(rate / c1)).div(denom)));
                // q ← q + a·η·m'/(2c₁c₂·D²·√(s'/c₂))
                NDArray coefficient = kept(scratch, kept(scratch, kept(scratch, m.mul(rate / (2.0 * c1 * c2)))
                        .div(kept(scratch, denom.square()))).div(kept(scratch, root.maximum(Float.MIN_NORMAL))));
                q.get(i).addi(kept(scratch, ai.mul(coefficient)));
                // ḡ = (1−β₁)p + 2(1−β₂)d·q
                NDArray fromSecond = kept(scratch, kept(scratch, d.mul(q.get(i))).mul(2 * (1 - beta2)));
                NDArray adjoint = kept(scratch, p.get(i).mul(1 - beta1)).add(fromSecond);
                adjoint.attach(home);
                out.add(adjoint);
            }
        }
        return out;
    }

    private static NDArray kept(NDManager scratch, NDArray x) {
        x.attach(scratch);
        return x;
    }

    @Override
    public String toString() {
        return "Adam(beta1=" + adam.beta1() + ", beta2=" + adam.beta2() + ", epsilon=" + adam.epsilon()
                + ", weightDecay=" + adam.weightDecay() + ")";
    }
}
