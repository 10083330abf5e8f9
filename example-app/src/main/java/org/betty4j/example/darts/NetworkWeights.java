package org.betty4j.example.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Hypergrad;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.example.maml.FewShotMlp;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 1: the weights of the cell network, trained on the search's training images with
 * every edge the softmax mixture given by the architecture's current parameters. The
 * architecture's hypergradient passes through this problem by AID-FD: DARTS's own
 * second-order approximation (finite differences of the gradient, Liu et al. 2019, eq. 8).
 */
@Level(1)
@Hypergrad(HypergradMethod.AID_FD)
public class NetworkWeights implements Trainable {

    /** The architecture parameters the mixture uses. */
    @Upper
    Architecture architecture;

    private CellNetwork network;
    private ParameterList parameters;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        DartsSettings settings = DartsSettings.from(context.options());
        SearchData d = SearchData.of(ExperimentData.forContext(context));
        network = CellNetwork.create(context.manager(), d.train().pixelsPerImage(), settings.width(),
                ImageClassifier.CLASSES, context.newRandom(), context.dataType());
        parameters = network.parameters();
        data = ArrayBatchSource.builder(d.train().images(context.manager()).toType(context.dataType(), false),
                d.train().labels(context.manager())).optBatchSize(DartsSettings.BATCH).optSeed(context.seed()).build();
        optimizer = Sgd.builder().setLearningRate(settings.weightsLr()).optMomentum(0.9f).optWeightDecay(3e-4f).build();
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray labels = batch.getLabels().head();
        NDArray logits = network.mixedLogits(batch.getData().head(), architecture.alpha());
        return Cost.of(ImageClassifier.perSampleCrossEntropy(logits, labels).mean())
                .withMetric("train accuracy", FewShotMlp.accuracy(logits, labels));
    }

    public CellNetwork network() {
        return network;
    }

    @Override
    public ParameterList parameters() {
        return parameters;
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
