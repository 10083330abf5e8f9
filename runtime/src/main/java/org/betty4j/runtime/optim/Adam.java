package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;

/** Adam (Kingma and Ba) with bias correction and optional L2 weight decay. */
public final class Adam implements Optimizer {

    private final LearningRateSchedule schedule;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Rule rule;
    private final RuleState state;

    private Adam(Builder b) {
        this.schedule = b.schedule != null ? b.schedule : LearningRateSchedule.constant(b.learningRate);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.weightDecay = b.weightDecay;
        this.rule = new Rule(beta1, beta2, epsilon, weightDecay);
        this.state = new RuleState(rule);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adam's update, the only place it is written: at the k-th update {@code d = g + wd·θ},
     * {@code m' = β₁m + (1−β₁)d}, {@code s' = β₂s + (1−β₂)d²},
     * {@code Δ = η·(m'/c₁) / (√(s'/c₂) + ε)}, {@code c_i = 1 − β_i^k}; state m, s.
     *
     * <p>The square root is taken as {@code √x} where {@code x > 0} and 0 elsewhere: the same
     * values, but a derivative of 0 instead of NaN where {@code s' = 0} (there {@code m' = 0},
     * so the update does not move along s'), which reverse mode through the rule needs.
     */
    private record Rule(float beta1, float beta2, float epsilon, float weightDecay) implements UpdateRule {

        @Override
        public int stateArrays() {
            return 2;
        }

        @Override
        public NDList apply(NDArray theta, NDArray gradient, NDList state, float rate, int update) {
            float c1 = (float) (1 - Math.pow(beta1, update));
            float c2 = (float) (1 - Math.pow(beta2, update));
            NDArray d = weightDecay == 0 ? gradient : theta.mul(weightDecay).add(gradient);
            NDArray m = state.get(0).mul(beta1).add(d.mul(1 - beta1));
            NDArray s = state.get(1).mul(beta2).add(d.square().mul(1 - beta2));
            NDArray denominator = safeSqrt(s.div(c2)).add(epsilon);
            NDArray step = m.div(c1).div(denominator).mul(rate);
            return new NDList(step, m, s);
        }

        private static NDArray safeSqrt(NDArray x) {
            NDArray positive = x.gt(0);
            NDArray safe = NDArrays.where(positive, x, x.onesLike()).sqrt();
            return NDArrays.where(positive, safe, x.zerosLike());
        }

        /**
         * {@link #apply} in TorchScript, the same operations in the same order; h = rate, c₁, c₂,
         * β₁, 1−β₁, β₂, 1−β₂, ε, weightDecay.
         */
        @Override
        public String scriptSource() {
            return (weightDecay == 0 ? "    d = g\n" : "    d = theta * h[8] + g\n")
                    + "    m = state[0] * h[3] + d * h[4]\n"
                    + "    s = state[1] * h[5] + torch.square(d) * h[6]\n"
                    + "    x = s / h[2]\n"
                    + "    positive = x > 0\n"
                    + "    root = torch.where(positive, torch.where(positive, x, torch.ones_like(x)).sqrt(), "
                    + "torch.zeros_like(x))\n"
                    + "    step = m / h[1] / (root + h[7]) * h[0]\n"
                    + "    return [step, m, s]\n";
        }

        @Override
        public float[] scriptScalars(float rate, int update) {
            float c1 = (float) (1 - Math.pow(beta1, update));
            float c2 = (float) (1 - Math.pow(beta2, update));
            return new float[] {rate, c1, c2, beta1, 1 - beta1, beta2, 1 - beta2, epsilon, weightDecay};
        }

        @Override
        public String toString() {
            return "Adam(beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ", weightDecay="
                    + weightDecay + ")";
        }
    }

    @Override
    public void step(NDList params, NDList grads, NDManager stateManager) {
        state.step(params, grads, stateManager, schedule.at(state.updates()));
    }

    @Override
    public Optional<UpdateRule> updateRule() {
        return Optional.of(rule);
    }

    @Override
    public Optional<NDList> inPlaceState(NDList params, NDManager stateManager) {
        return Optional.of(state.live(params, stateManager));
    }

    @Override
    public void countInPlaceUpdate() {
        state.countInPlace();
    }

    /** Copies of the first moments, then the second moments (zeros before the first update). */
    @Override
    public NDList stateCopies(NDList params, NDManager manager) {
        return state.copies(params, manager);
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        state.save(out);
    }

    @Override
    public void loadState(DataInputStream in, NDManager stateManager) throws IOException {
        state.load(in, stateManager);
    }

    @Override
    public int updates() {
        return state.updates();
    }

    @Override
    public float learningRate() {
        return schedule.at(state.updates());
    }

    public float beta1() {
        return beta1;
    }

    public float beta2() {
        return beta2;
    }

    public float epsilon() {
        return epsilon;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** Builder in DJL's style: required setters, optional {@code opt…}. */
    public static final class Builder {

        private Builder() {}

        private float learningRate = 1e-3f;
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private float weightDecay;
        private LearningRateSchedule schedule;

        public Builder optLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Overrides the constant learning rate with a schedule over update counts. */
        public Builder optSchedule(LearningRateSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        public Adam build() {
            if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
                throw new IllegalArgumentException("Adam: learning rate must be a positive finite number, got " + learningRate);
            }
            if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
                throw new IllegalArgumentException("Adam: betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("Adam: epsilon must be positive, got " + epsilon);
            }
            return new Adam(this);
        }
    }
}
