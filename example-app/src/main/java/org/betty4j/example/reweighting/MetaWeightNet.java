package org.betty4j.example.reweighting;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.model.WeightNet;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.Problem;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * Level 2: the Meta-Weight-Net (Shu et al. 2019), an MLP 1-100-1 with a sigmoid that maps a
 * sample's loss to its weight. Its cost is the classifier's cross-entropy on the balanced
 * meta set at the classifier's (approximately) optimal parameters; its hypergradient flows
 * through the classifier's best-response Jacobian (AID-FD, the default).
 */
@Level(2)
public class MetaWeightNet extends Problem {

    /** Program option overriding the meta learning rate (Adam); {@code --lr MetaWeightNet=RATE} also does. */
    public static final String META_LR_OPTION = "meta-lr";

    /** The classifier whose optimum this cost evaluates. */
    @Lower
    Classifier classifier;

    private WeightNet net;

    @Override
    public void setUp(ProblemContext context) {
        FashionMnistSplits splits = ExperimentData.forContext(context);
        net = new WeightNet(context.manager(), 100, context.dataType(), context.computeType());
        model(net.block());
        data(ExperimentData.batches(context, splits.meta(), splits.meta().count()));
        float metaLr = context.option(META_LR_OPTION).map(Float::parseFloat).orElse(1e-3f);
        optimizer(Adam.builder().optLearningRate(context.learningRate(metaLr)).build());
    }

    /** The weight of each sample from its loss; {@code losses} shape (batch), result (batch). */
    public NDArray weights(NDArray losses) {
        return net.weights(losses);
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray logits = classifier.model().logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray loss = ImageClassifier.perSampleCrossEntropy(logits, labels).mean();
        return Cost.of(loss).withMetric("meta accuracy", ImageClassifier.accuracy(logits, labels));
    }
}
