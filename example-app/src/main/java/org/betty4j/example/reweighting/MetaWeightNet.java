package org.betty4j.example.reweighting;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 2: the Meta-Weight-Net (Shu et al. 2019), an MLP 1-100-1 with a sigmoid that maps a
 * sample's loss to its weight. Its cost is the classifier's cross-entropy on the balanced
 * meta set at the classifier's (approximately) optimal parameters; its hypergradient flows
 * through the classifier's best-response Jacobian (AID-FD, the default).
 */
@Level(2)
public class MetaWeightNet implements Trainable {

    /** Program option overriding the meta learning rate (Adam); {@code --lr MetaWeightNet=RATE} also does. */
    public static final String META_LR_OPTION = "meta-lr";

    /** The classifier whose optimum this cost evaluates. */
    @Lower
    Classifier classifier;

    private SequentialBlock net;
    private ParameterStore store;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        FashionMnistSplits splits = ExperimentData.forContext(context);
        // The output layer starts at zero, so every sample starts with weight sigmoid(0) = 0.5
        // whatever the seed: a random start can already be a steeply decreasing weight function,
        // which starves the classifier of its hard (tail-class) samples before the meta
        // gradient can correct it (seen with seed 4: test accuracy 19%).
        Linear output = Linear.builder().setUnits(1).build();
        output.setInitializer(new ConstantInitializer(0f), Parameter.Type.WEIGHT);
        net = new SequentialBlock()
                .add(Linear.builder().setUnits(100).build())
                .add(Activation.reluBlock())
                .add(output)
                .add(Activation::sigmoid);
        net.initialize(context.manager(), DataType.FLOAT32, new Shape(1, 1));
        store = new ParameterStore(context.manager(), false);
        data = ArrayBatchSource.builder(splits.meta().images(context.manager()), splits.meta().labels(context.manager()))
                .optBatchSize(splits.meta().count())
                .optSeed(context.seed())
                .build();
        float lr = context.option(ProgramMain.learningRateKey(context.problemName()))
                .or(() -> context.option(META_LR_OPTION))
                .map(Float::parseFloat).orElse(1e-3f);
        optimizer = Adam.builder().optLearningRate(lr).build();
    }

    /** The weight of each sample from its loss; {@code losses} shape (batch), result (batch). */
    public NDArray weights(NDArray losses) {
        NDArray in = losses.reshape(-1, 1);
        return net.forward(store, new NDList(in), true).singletonOrThrow().reshape(-1);
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray logits = classifier.model().logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray loss = ImageClassifier.perSampleCrossEntropy(logits, labels).mean();
        return Cost.of(loss).withMetric("meta accuracy", ImageClassifier.accuracy(logits, labels));
    }

    @Override
    public ParameterList parameters() {
        return net.getParameters();
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public BatchSource data() {
        return data;
    }
}
