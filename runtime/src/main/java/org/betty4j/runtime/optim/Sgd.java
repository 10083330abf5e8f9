package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Stochastic gradient descent with optional momentum and L2 weight decay. */
public final class Sgd implements Optimizer {

    private final LearningRateSchedule schedule;
    private final float momentum;
    private final float weightDecay;
    private final List<NDArray> velocity = new ArrayList<>();
    private int updates;

    private Sgd(Builder b) {
        this.schedule = b.schedule != null ? b.schedule : LearningRateSchedule.constant(b.learningRate);
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void step(NDList params, NDList grads, NDManager stateManager) {
        Optimizers.checkSameShapes(params, grads);
        float rate = schedule.at(updates);
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            // temporaries are closed here: the first operand's manager may be a long-lived one
            try (NDArray decayed = weightDecay == 0 ? null : p.mul(weightDecay).addi(grads.get(i))) {
                NDArray d = decayed == null ? grads.get(i) : decayed;
                if (momentum != 0) {
                    if (velocity.size() <= i) {
                        velocity.add(stateManager.zeros(p.getShape(), p.getDataType()));
                    }
                    d = velocity.get(i).muli(momentum).addi(d);
                }
                try (NDArray update = d.mul(rate)) {
                    p.subi(update);
                }
            }
        }
        updates++;
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        out.writeInt(updates);
        OptimizerState.writeArrays(out, velocity);
    }

    @Override
    public void loadState(DataInputStream in, NDManager stateManager) throws IOException {
        updates = in.readInt();
        OptimizerState.readArrays(in, stateManager, velocity);
    }

    @Override
    public int updates() {
        return updates;
    }

    @Override
    public float learningRate() {
        return schedule.at(updates);
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
