package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/** Stochastic gradient descent with optional momentum and L2 weight decay. */
public final class Sgd implements Optimizer {

    private final float learningRate;
    private final float momentum;
    private final float weightDecay;
    private final List<NDArray> velocity = new ArrayList<>();
    private int updates;

    private Sgd(Builder b) {
        this.learningRate = b.learningRate;
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void step(NDList params, NDList grads, NDManager stateManager) {
        Optimizers.checkSameShapes(params, grads);
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            NDArray g = grads.get(i);
            NDArray d = weightDecay == 0 ? g : g.add(p.mul(weightDecay));
            if (momentum != 0) {
                if (velocity.size() <= i) {
                    NDArray v = stateManager.zeros(p.getShape(), p.getDataType());
                    velocity.add(v);
                }
                NDArray v = velocity.get(i);
                v.muli(momentum).addi(d);
                d = v;
            }
            p.subi(d.mul(learningRate));
        }
        updates++;
    }

    @Override
    public int updates() {
        return updates;
    }

    @Override
    public float learningRate() {
        return learningRate;
    }

    public float momentum() {
        return momentum;
    }

    /** Builder in DJL's style: required setters, optional {@code opt…}. */
    public static final class Builder {
        private float learningRate = Float.NaN;
        private float momentum;
        private float weightDecay;

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
