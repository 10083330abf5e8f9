package org.betty4j.runtime.problem;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import java.util.Objects;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;

/**
 * A base class for {@code @Level} problems that keeps what {@link Trainable} asks for, so a
 * problem writes only what it declares: in {@link #setUp} it registers its model (or plain
 * arrays), its optimizer and, if its cost reads data, its data; its {@code @TrainingStep} is its
 * cost. A problem without data needs no data source.
 *
 * <pre>{@code
 * @Level(1)
 * public class Classifier extends Problem {
 *   @Upper MetaWeightNet weighting;
 *   private ImageClassifier model;
 *
 *   @Override
 *   public void setUp(ProblemContext context) {
 *     model = ImageClassifier.create(context.manager(), 784, 256, context.dataType());
 *     model(model.block());
 *     optimizer(Sgd.builder().setLearningRate(context.learningRate(0.1f)).build());
 *     data(ArrayBatchSource.builder(images, labels).optBatchSize(100).optSeed(context.seed()).build());
 *   }
 *
 *   @TrainingStep
 *   public Cost trainingStep(Batch batch) { ... }
 * }
 * }</pre>
 *
 * <p>Implementing {@link Trainable} directly stays possible, for a problem that must extend
 * another class.
 */
public abstract class Problem implements Trainable {

    private ParameterList parameters;
    private Optimizer optimizer;
    private BatchSource data;

    /** For subclasses: a problem is set up by the engine through {@link #setUp}. */
    protected Problem() {}

    /** Optimizes the parameters of {@code block} (which must be initialized). */
    protected final void model(Block block) {
        parameters(Objects.requireNonNull(block, "block").getParameters());
    }

    /** Optimizes {@code parameters} (for arrays that are not a block: {@link ParameterLists#of}). */
    protected final void parameters(ParameterList parameters) {
        this.parameters = Objects.requireNonNull(parameters, "parameters");
    }

    /** Optimizes the named arrays {@code name, array, name, array, ...} (see {@link ParameterLists#of}). */
    protected final void parameters(Object... namesAndArrays) {
        parameters(ParameterLists.of(namesAndArrays));
    }

    /** Updates the parameters with {@code optimizer}. */
    protected final void optimizer(Optimizer optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    }

    /** Draws one batch per local step from {@code data}; without it the cost gets empty batches. */
    protected final void data(BatchSource data) {
        this.data = Objects.requireNonNull(data, "data");
    }

    @Override
    public final ParameterList parameters() {
        if (parameters == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": setUp registered no parameters. Fix: call "
                    + "model(block) or parameters(\"name\", array, ...) in setUp");
        }
        return parameters;
    }

    @Override
    public final Optimizer optimizer() {
        if (optimizer == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": setUp registered no optimizer. Fix: call "
                    + "optimizer(Sgd.builder().setLearningRate(context.learningRate(0.1f)).build()) or another "
                    + "optimizer in setUp");
        }
        return optimizer;
    }

    @Override
    public final BatchSource data() {
        if (data == null) {
            data = BatchSource.none();
        }
        return data;
    }

    /** The single array registered under {@code name} (for problems built from plain arrays). */
    protected final NDArray parameter(String name) {
        NDArray array = parameters().get(name) == null ? null : parameters().get(name).getArray();
        if (array == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'; it has "
                    + parameters().keys());
        }
        return array;
    }
}
