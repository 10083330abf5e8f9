package org.betty4j.example.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.betty4j.runtime.autograd.MixedPrecision;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.optim.LearningRateSchedule;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * The classifier network both programs train: an MLP 784-256-10 with ReLU, plus the
 * per-sample cross-entropy and the test-set evaluation they share.
 */
public final class ImageClassifier {

    public static final int CLASSES = 10;

    private final SequentialBlock net;
    private final ParameterStore store;
    private final DataType computeType;

    private ImageClassifier(SequentialBlock net, NDManager manager, DataType computeType) {
        this.net = net;
        this.store = new ParameterStore(manager, false);
        this.computeType = computeType;
    }

    /** A freshly initialized network whose parameters live in {@code manager}. */
    public static ImageClassifier create(NDManager manager, int inputs, int hidden) {
        return create(manager, inputs, hidden, DataType.FLOAT32);
    }

    /** As {@link #create(NDManager, int, int)}, in the given floating precision. */
    public static ImageClassifier create(NDManager manager, int inputs, int hidden, DataType dataType) {
        return create(manager, inputs, hidden, dataType, DataType.FLOAT32);
    }

    /**
     * As {@link #create(NDManager, int, int, DataType)}, with the linear layers computed in
     * {@code computeType} (mixed precision: {@code ProblemContext.computeType()}).
     */
    public static ImageClassifier create(NDManager manager, int inputs, int hidden, DataType dataType,
            DataType computeType) {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(CLASSES).build());
        net.initialize(manager, dataType, new Shape(1, inputs));
        return new ImageClassifier(net, manager, computeType);
    }

    /**
     * The classifier's optimizer in both programs: SGD, momentum 0.9, weight decay 5e-4, a
     * cosine decay of the learning rate over the run (a stable final iterate makes the
     * baseline-vs-MWN comparison less noisy). The generated main's {@code --lr Classifier=RATE}
     * overrides the base rate.
     */
    public static Optimizer optimizer(ProblemContext context) {
        float lr = context.learningRate(0.1f);
        return Sgd.builder()
                .setLearningRate(lr)
                .optMomentum(0.9f)
                .optWeightDecay(5e-4f)
                .optSchedule(LearningRateSchedule.cosine(lr, Math.max(1, context.globalSteps()), 0f))
                .build();
    }

    public SequentialBlock block() {
        return net;
    }

    /** Logits (batch, 10). */
    public NDArray logits(NDArray images, boolean training) {
        if (computeType != DataType.FLOAT32) {
            return MixedPrecision.forward(net, store, images, training, computeType);
        }
        return net.forward(store, new NDList(images), training).singletonOrThrow();
    }

    /** Cross-entropy of each sample, shape (batch). */
    public static NDArray perSampleCrossEntropy(NDArray logits, NDArray labels) {
        NDArray oneHot = labels.oneHot(CLASSES).toType(logits.getDataType(), false);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg();
    }

    /** Accuracy of predictions against labels. */
    public static double accuracy(NDArray logits, NDArray labels) {
        try (NDArray correct = logits.argMax(1).eq(labels.toType(DataType.INT64, false)).sum()) {
            return correct.toArray()[0].doubleValue() / labels.size();
        }
    }

    /** Overall and per-class accuracy on a whole image set, computed in chunks. */
    public Evaluation evaluate(ImageSet set, NDManager parent) {
        int[] correct = new int[CLASSES];
        int[] total = new int[CLASSES];
        int chunk = 1000;
        try (NDManager m = parent.newSubManager()) {
            NDArray images = set.images(m);
            int[] labels = set.labels();
            for (int start = 0; start < set.count(); start += chunk) {
                int end = Math.min(set.count(), start + chunk);
                try (NDManager step = m.newSubManager()) {
                    NDArray x = images.get(start + ":" + end)
                            .toType(net.getParameters().get(0).getValue().getArray().getDataType(), false);
                    x.attach(step);
                    step.tempAttachAll(net.getParameters().values().stream()
                            .map(p -> p.getArray()).toArray(NDArray[]::new));
                    long[] predicted = logits(x, false).argMax(1).toLongArray();
                    for (int i = 0; i < predicted.length; i++) {
                        int label = labels[start + i];
                        total[label]++;
                        if (predicted[i] == label) {
                            correct[label]++;
                        }
                    }
                }
            }
        }
        return new Evaluation(correct, total);
    }

    /** Accuracy counts per class. */
    public record Evaluation(int[] correct, int[] total) {

        public double overall() {
            int c = 0;
            int t = 0;
            for (int i = 0; i < correct.length; i++) {
                c += correct[i];
                t += total[i];
            }
            return t == 0 ? Double.NaN : (double) c / t;
        }

        public double ofClass(int label) {
            return total[label] == 0 ? Double.NaN : (double) correct[label] / total[label];
        }

        /** Mean of the per-class accuracies (balanced accuracy). */
        public double balanced() {
            double s = 0;
            for (int i = 0; i < correct.length; i++) {
                s += ofClass(i);
            }
            return s / correct.length;
        }
    }
}
