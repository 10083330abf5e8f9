package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Stochastic gradient descent with optional momentum and L2 weight decay. */
public final class Sgd implements Optimizer {

    private final LearningRateSchedule schedule;
    private final float momentum;
    private final float weightDecay;
    private final Rule rule;
    private final RuleState state;

    private Sgd(Builder b) {
        this.schedule = b.schedule != null ? b.schedule : LearningRateSchedule.constant(b.learningRate);
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
        this.rule = new Rule(momentum, weightDecay);
        this.state = new RuleState(rule);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * SGD's update, the only place it is written: {@code d = g + wd·θ}; with momentum
     * {@code b' = μb + d}, {@code Δ = η·b'}; without, {@code Δ = η·d} (no state).
     */
    private record Rule(float momentum, float weightDecay) implements UpdateRule {

        @Override
        public int stateArrays() {
            return momentum == 0 ? 0 : 1;
        }

        @Override
        public NDList apply(NDArray theta, NDArray gradient, NDList state, float rate, int update) {
            NDArray d = weightDecay == 0 ? gradient : theta.mul(weightDecay).add(gradient);
            if (momentum == 0) {
                return new NDList(d.mul(rate));
            }
            NDArray buffer = state.get(0).mul(momentum).add(d);
            return new NDList(buffer.mul(rate), buffer);
        }

        /** {@link #apply} in TorchScript, the same operations in the same order; h = rate, weightDecay, momentum. */
        @Override
        public String scriptSource() {
            StringBuilder b = new StringBuilder();
            b.append(weightDecay == 0 ? "    d = g\n" : "    d = theta * h[1] + g\n");
            if (momentum == 0) {
                return b.append("    return [d * h[0]]\n").toString();
            }
            return b.append("    buffer = state[0] * h[2] + d\n").append("    return [buffer * h[0], buffer]\n").toString();
        }

        @Override
        public float[] scriptScalars(float rate, int update) {
            return new float[] {rate, weightDecay, momentum};
        }

        @Override
        public String toString() {
            return "Sgd(momentum=" + momentum + ", weightDecay=" + weightDecay + ")";
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

    @Override
    public NDList stateCopies(NDList params, NDManager manager) {
        return state.copies(params, manager);
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        state.save(out);
        if (momentum == 0) {
            OptimizerState.writeArrays(out, List.of()); // the (absent) momentum buffers, as always written
        }
    }

    @Override
    public void loadState(DataInputStream in, NDManager stateManager) throws IOException {
        state.load(in, stateManager);
        if (momentum == 0) {
            OptimizerState.readArrays(in, stateManager, new ArrayList<>());
        }
    }

    @Override
    public int updates() {
        return state.updates();
    }

    @Override
    public float learningRate() {
        return schedule.at(state.updates());
    }

    public float momentum() {
        return momentum;
    }

    /** The L2 weight decay added to each gradient ({@code wd·θ}). */
    public float weightDecay() {
        return weightDecay;
    }

    /** Builder in DJL's style: required setters, optional {@code opt…}. */
    public static final class Builder {

        private Builder() {}

        private float learningRate = Float.NaN;
        private float momentum;
        private float weightDecay;
        private LearningRateSchedule schedule;

        public Builder setLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optMomentum(float momentum) {
            this.momentum = momentum;
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

        public Sgd build() {
            if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
                throw new IllegalArgumentException("Sgd: learning rate must be a positive finite number, got " + learningRate);
            }
            if (momentum < 0 || momentum >= 1) {
                throw new IllegalArgumentException("Sgd: momentum must be in [0, 1), got " + momentum);
            }
            if (weightDecay < 0) {
                throw new IllegalArgumentException("Sgd: weight decay must be >= 0, got " + weightDecay);
            }
            return new Sgd(this);
        }
    }
}
