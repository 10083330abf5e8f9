package org.betty4j.example.maml;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.ParameterList;
import java.util.Random;
import org.betty4j.runtime.problem.ParameterLists;

/**
 * An MLP {@code inputs-hidden-ways} with ReLU held as four plain arrays, so that one network's
 * parameters can be copied into another's in place (the inner problem starts every task from
 * the meta-initialization) and compared with them (the proximal term).
 */
public final class FewShotMlp {

    private final NDArray w1;
    private final NDArray b1;
    private final NDArray w2;
    private final NDArray b2;

    private FewShotMlp(NDArray w1, NDArray b1, NDArray w2, NDArray b2) {
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
        this.b2 = b2;
    }

    /**
     * He-normal first layer, 1/√fan-in normal second layer, zero biases, drawn from
     * {@code random}; the arrays live in {@code manager} and require gradients.
     */
    public static FewShotMlp create(NDManager manager, int inputs, int hidden, int ways, Random random,
            DataType dataType) {
        NDArray w1 = manager.create(gaussian(random, inputs * hidden, Math.sqrt(2.0 / inputs)), new Shape(inputs, hidden));
        NDArray w2 = manager.create(gaussian(random, hidden * ways, Math.sqrt(1.0 / hidden)), new Shape(hidden, ways));
        FewShotMlp net = new FewShotMlp(w1.toType(dataType, false), manager.zeros(new Shape(hidden), dataType),
                w2.toType(dataType, false), manager.zeros(new Shape(ways), dataType));
        for (NDArray a : net.arrays()) {
            a.setRequiresGradient(true);
        }
        return net;
    }

    /** An all-zero network (e.g. an offset from another network's weights), requiring gradients. */
    public static FewShotMlp zeros(NDManager manager, int inputs, int hidden, int outputs, DataType dataType) {
        FewShotMlp net = new FewShotMlp(manager.zeros(new Shape(inputs, hidden), dataType),
                manager.zeros(new Shape(hidden), dataType), manager.zeros(new Shape(hidden, outputs), dataType),
                manager.zeros(new Shape(outputs), dataType));
        for (NDArray a : net.arrays()) {
            a.setRequiresGradient(true);
        }
        return net;
    }

    /**
     * The network whose weights are this one's plus {@code offset}'s, as differentiable
     * arrays computed now (a function of both).
     */
    public FewShotMlp plus(FewShotMlp offset) {
        return new FewShotMlp(w1.add(offset.w1), b1.add(offset.b1), w2.add(offset.w2), b2.add(offset.b2));
    }

    private static float[] gaussian(Random random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    /** A copy of this network's values in {@code manager}, requiring gradients. */
    public FewShotMlp copy(NDManager manager) {
        NDArray[] a = arrays().stream().map(x -> {
            NDArray c = x.duplicate();
            c.attach(manager);
            c.setRequiresGradient(true);
            return c;
        }).toArray(NDArray[]::new);
        return new FewShotMlp(a[0], a[1], a[2], a[3]);
    }

    /** Overwrites this network's values with {@code source}'s, in place (call with recording off). */
    public void copyFrom(FewShotMlp source) {
        NDList mine = arrays();
        NDList theirs = source.arrays();
        for (int i = 0; i < mine.size(); i++) {
            mine.get(i).muli(0).addi(theirs.get(i));
        }
    }

    /** Logits (batch, ways) of images (batch, inputs). */
    public NDArray logits(NDArray images) {
        return Activation.relu(images.matMul(w1).add(b1)).matMul(w2).add(b2);
    }

    /** {@code Σ ‖p − q‖²} over the four arrays of this network and {@code other}. */
    public NDArray squaredDistance(FewShotMlp other) {
        NDList mine = arrays();
        NDList theirs = other.arrays();
        NDArray sum = null;
        for (int i = 0; i < mine.size(); i++) {
            NDArray d = mine.get(i).sub(theirs.get(i)).square().sum();
            sum = sum == null ? d : sum.add(d);
        }
        return sum;
    }

    /** The four arrays in a fixed order: w1, b1, w2, b2. */
    public NDList arrays() {
        return new NDList(w1, b1, w2, b2);
    }

    public ParameterList parameters() {
        return ParameterLists.of("w1", w1, "b1", b1, "w2", w2, "b2", b2);
    }

    /** Mean cross-entropy of logits (batch, ways) against integer labels (batch). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray oneHot = labels.oneHot((int) logits.getShape().get(1)).toType(logits.getDataType(), false);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
    }

    /** Fraction of rows whose arg-max equals the label. */
    public static double accuracy(NDArray logits, NDArray labels) {
        try (NDArray correct = logits.argMax(1).eq(labels.toType(DataType.INT64, false)).sum()) {
            return correct.toArray()[0].doubleValue() / labels.size();
        }
    }
}
