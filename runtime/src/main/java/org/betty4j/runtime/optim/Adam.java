package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Adam (Kingma and Ba) with bias correction and optional L2 weight decay. */
public final class Adam implements Optimizer {

    private final LearningRateSchedule schedule;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private int updates;

    private Adam(Builder b) {
        this.schedule = b.schedule != null ? b.schedule : LearningRateSchedule.constant(b.learningRate);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.weightDecay = b.weightDecay;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void step(NDList params, NDList grads, NDManager stateManager) {
        Optimizers.checkSameShapes(params, grads);
        float rate = schedule.at(updates);
        updates++;
        float c1 = (float) (1 - Math.pow(beta1, updates));
        float c2 = (float) (1 - Math.pow(beta2, updates));
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            if (m.size() <= i) {
                m.add(stateManager.zeros(p.getShape(), p.getDataType()));
                v.add(stateManager.zeros(p.getShape(), p.getDataType()));
            }
            // temporaries are closed here: the first operand's manager may be a long-lived one
            try (NDArray decayed = weightDecay == 0 ? null : p.mul(weightDecay).addi(grads.get(i))) {
                NDArray g = decayed == null ? grads.get(i) : decayed;
                try (NDArray g1 = g.mul(1 - beta1); NDArray g2 = g.square().muli(1 - beta2)) {
                    m.get(i).muli(beta1).addi(g1);
                    v.get(i).muli(beta2).addi(g2);
                }
                try (NDArray denom = v.get(i).div(c2).sqrt().addi(epsilon);
                        NDArray update = m.get(i).div(c1).divi(denom).muli(rate)) {
                    p.subi(update);
                }
            }
        }
    }

    @Override
    public void saveState(DataOutputStream out) throws IOException {
        out.writeInt(updates);
        OptimizerState.writeArrays(out, m);
        OptimizerState.writeArrays(out, v);
    }

    @Override
    public void loadState(DataInputStream in, NDManager stateManager) throws IOException {
        updates = in.readInt();
        OptimizerState.readArrays(in, stateManager, m);
        OptimizerState.readArrays(in, stateManager, v);
    }

    @Override
    public int updates() {
        return updates;
    }

    @Override
    public float learningRate() {
        return schedule.at(updates);
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

    /**
     * Copies, in {@code manager}, of the first moments then the second moments of
     * {@code params} (zeros before the first update): what reverse mode through the next update
     * needs (ITD_RMAD).
     */
    public NDList moments(NDList params, NDManager manager) {
        NDList out = new NDList(2 * params.size());
        for (List<NDArray> moment : List.of(m, v)) {
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                out.add(moment.size() > i ? moment.get(i).duplicate() : manager.zeros(p.getShape(), p.getDataType()));
                out.get(out.size() - 1).attach(manager);
            }
        }
        return out;
    }

    /** Builder in DJL's style: required setters, optional {@code opt…}. */
    public static final class Builder {
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
