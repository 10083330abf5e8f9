package org.betty4j.example.reweighting;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Hypergrad;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Upper;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.Problem;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * Level 1: the image classifier, trained on the long-tailed set with per-sample weights from
 * the Meta-Weight-Net (an upper problem whose current parameters its cost uses). The
 * Meta-Weight-Net's hypergradient is carried through this problem's best-response Jacobian
 * by AID-FD.
 */
@Level(1)
@Hypergrad(HypergradMethod.AID_FD)
public class Classifier extends Problem {

    /** The weighting network: its current parameters weight this cost. */
    @Upper
    MetaWeightNet weighting;

    private ImageClassifier model;

    @Override
    public void setUp(ProblemContext context) {
        FashionMnistSplits splits = ExperimentData.forContext(context);
        model = ImageClassifier.create(context.manager(), splits.train().pixelsPerImage(), 256,
                context.dataType(), context.computeType());
        model(model.block());
        data(ExperimentData.batches(context, splits.train(), 100));
        optimizer(ImageClassifier.optimizer(context));
    }

    /**
     * Weighted cross-entropy: {@code Σ wᵢ ℓᵢ / Σ wᵢ} with {@code wᵢ = MWN(ℓᵢ)} computed from the
     * detached losses (the MWN paper's normalization within a batch).
     */
    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray logits = model.logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray losses = ImageClassifier.perSampleCrossEntropy(logits, labels);
        NDArray weights = weighting.weights(losses.stopGradient());
        NDArray loss = losses.mul(weights).sum().div(weights.sum().add(1e-8f));
        return Cost.of(loss)
                .withMetric("accuracy", ImageClassifier.accuracy(logits, labels))
                .withMetric("mean weight", weights.mean().getFloat());
    }

    /** The trained network, for evaluation. */
    public ImageClassifier model() {
        return model;
    }
}
