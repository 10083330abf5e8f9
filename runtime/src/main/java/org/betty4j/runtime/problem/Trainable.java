package org.betty4j.runtime.problem;

import ai.djl.ndarray.NDList;
import ai.djl.nn.ParameterList;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;

/**
 * What the runtime needs from a {@code @Level} problem class besides its training step: the
 * parameters it optimizes, how, and on which data. The generated wiring calls these; the
 * training step itself is called directly (no reflection). Most problems extend
 * {@link Problem}, which keeps all three and registers them in {@code setUp}; implement this
 * interface directly when the class must extend something else.
 *
 * <pre>{@code
 * @Level(1)
 * public class Classifier implements Trainable {
 *   private SequentialBlock net;
 *   private BatchSource data;
 *   private Optimizer optimizer;
 *
 *   public void setUp(ProblemContext context) {
 *     net = Mlp.of(784, 256, 10);
 *     net.initialize(context.manager(), DataType.FLOAT32, new Shape(1, 784));
 *     data = ArrayBatchSource.builder(images, labels).optBatchSize(100).optSeed(context.seed()).build();
 *     optimizer = Sgd.builder().setLearningRate(context.learningRate(0.1f)).build();
 *   }
 *   public ParameterList parameters() { return net.getParameters(); }
 *   public Optimizer optimizer() { return optimizer; }
 *   public BatchSource data() { return data; }
 * }
 * }</pre>
 */
public interface Trainable {

    /**
     * Creates parameters, data and anything else the problem holds. Called once per run, in
     * execution order (lowest level first), before the first step. Arrays created here should
     * live in {@code context.manager()}, which the engine closes at the end of the run.
     */
    void setUp(ProblemContext context);

    /**
     * The parameters this problem optimizes, in a fixed order; their arrays must require
     * gradients (DJL's {@code Block.initialize} does that).
     */
    ParameterList parameters();

    /** The optimizer that updates {@link #parameters()}. */
    Optimizer optimizer();

    /**
     * Endless training data: the engine asks for one batch per local step. Called once, after
     * {@link #setUp}. By default empty batches, for a cost that reads no data.
     */
    default BatchSource data() {
        return BatchSource.none();
    }

    /**
     * Called with the gradient of an update before the optimizer uses it (after accumulation
     * and clipping), e.g. to inspect or change it in place. Recording is off.
     */
    default void afterGradients(NDList parameters, NDList gradients) {}

    /** Called after each parameter update, e.g. to clamp a hyperparameter to >= 0. Recording is off. */
    default void afterUpdate() {}

    /**
     * Called at the start of each inner loop, i.e. before the first local step of every cycle of
     * {@code unrollSteps} updates, e.g. to reset a lower problem. Recording is off.
     */
    default void onInnerLoopStart() {}

    /** Called when this problem's data source has completed an epoch (1 after the first). */
    default void onEpoch(int epoch) {}
}
