package org.betty4j.example.maml;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.dataset.Batch;
import java.util.Random;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.Adam;

/**
 * The procedures the evaluation applies to an initialization, outside the engine: the same
 * adaptation the inner problem runs (plain SGD on {@code CE(φ; support) + λ/2 ‖φ − θ‖²} from
 * φ = θ), and the pretraining baseline. Each works in a sub-manager that keeps closed
 * scalar operands alive until it closes (see {@link ClosedArrayBuffers}).
 */
public final class Adaptation {

    private Adaptation() {}

    /**
     * Adapts a copy of {@code init} to {@code task} for {@code steps} SGD steps and returns the
     * query accuracy before the first step and after each step ({@code steps + 1} values).
     */
    public static double[] adapt(FewShotMlp init, FewShotTasks.Task task, MamlSettings settings, int steps,
            NDManager parent) {
        double[] accuracy = new double[steps + 1];
        try (NDManager m = ClosedArrayBuffers.retaining(parent.newSubManager())) {
            adaptInto(init.copy(m), init, task, settings, steps, m, accuracy);
        }
        return accuracy;
    }

    /**
     * The network {@link #adapt} ends with, in {@code manager} (for checking that the engine's
     * inner loop runs the same procedure).
     */
    public static FewShotMlp adapted(FewShotMlp init, FewShotTasks.Task task, MamlSettings settings, int steps,
            NDManager manager) {
        FewShotMlp phi = init.copy(manager);
        try (NDManager m = ClosedArrayBuffers.retaining(manager.newSubManager())) {
            for (NDArray p : phi.arrays()) {
                p.tempAttach(m);
            }
            adaptInto(phi, init, task, settings, steps, m, new double[steps + 1]);
        }
        return phi;
    }

    private static void adaptInto(FewShotMlp phi, FewShotMlp init, FewShotTasks.Task task, MamlSettings settings,
            int steps, NDManager m, double[] accuracy) {
        Batch support = task.support(m);
        Batch query = task.query(m);
        NDArray queryX = query.getData().head();
        NDArray queryY = query.getLabels().head();
        accuracy[0] = queryAccuracy(phi, queryX, queryY);
        for (int step = 1; step <= steps; step++) {
            NDList grads;
            try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                NDArray loss = FewShotMlp.crossEntropy(phi.logits(support.getData().head()), support.getLabels().head())
                        .add(phi.squaredDistance(init).mul(settings.lambda() / 2));
                grads = Autograd.get().grad(loss, phi.arrays(), false);
            }
            try (GradMode off = GradMode.disabled()) {
                NDList params = phi.arrays();
                for (int i = 0; i < params.size(); i++) {
                    params.get(i).subi(grads.get(i).mul(settings.innerLr()));
                }
            }
            accuracy[step] = queryAccuracy(phi, queryX, queryY);
        }
    }

    private static double queryAccuracy(FewShotMlp phi, NDArray x, NDArray y) {
        try (GradMode off = GradMode.disabled()) {
            return FewShotMlp.accuracy(phi.logits(x), y);
        }
    }

    /**
     * The pretraining baseline: a copy of {@code init} trained as an ordinary classifier over
     * all {@code classes} (label = position in {@code classes}) with Adam at the meta learning
     * rate, {@code updates} updates on batches of {@code batchSize} images drawn from the pools'
     * meta-training parts with {@code random}; then its output layer is set to zero, because a
     * task's labels are a random permutation and a confident head for the pretraining labels
     * has to be unlearned first (common practice when a pretrained network meets new labels).
     * The result lives in {@code manager}.
     */
    public static FewShotMlp pretrain(FewShotMlp init, FewShotTasks tasks, int[] classes, MamlSettings settings,
            int updates, int batchSize, Random random, NDManager manager) {
        FewShotMlp net = init.copy(manager);
        Adam adam = Adam.builder().optLearningRate(settings.metaLr()).build();
        float[] x = new float[batchSize * tasks.pixels()];
        int[] y = new int[batchSize];
        for (int u = 0; u < updates; u++) {
            for (int i = 0; i < batchSize; i++) {
                int label = random.nextInt(classes.length);
                int c = classes[label];
                int[] range = tasks.range(c, false);
                System.arraycopy(tasks.image(c, range[0] + random.nextInt(range[1] - range[0])), 0, x,
                        i * tasks.pixels(), tasks.pixels());
                y[i] = label;
            }
            FewShotTasks.Task batch = new FewShotTasks.Task(classes, tasks.pixels(), x, y, x, y);
            try (NDManager m = ClosedArrayBuffers.retaining(manager.newSubManager())) {
                Batch b = batch.support(m);
                NDList grads;
                try (GradientCollector recording = m.getEngine().newGradientCollector()) {
                    NDArray loss = FewShotMlp.crossEntropy(net.logits(b.getData().head()), b.getLabels().head());
                    grads = Autograd.get().grad(loss, net.arrays(), false);
                }
                try (GradMode off = GradMode.disabled()) {
                    for (NDArray g : grads) {
                        g.attach(m);
                    }
                    NDList params = net.arrays();
                    for (NDArray p : params) {
                        p.tempAttach(m);
                    }
                    adam.step(params, grads, manager);
                }
            }
        }
        try (GradMode off = GradMode.disabled()) {
            net.arrays().get(2).muli(0);
            net.arrays().get(3).muli(0);
        }
        return net;
    }
}
