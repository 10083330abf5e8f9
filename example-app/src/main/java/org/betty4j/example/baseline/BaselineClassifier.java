package org.betty4j.example.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.Problem;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * The baseline: the same classifier, data and optimizer as the reweighting program's level 1,
 * trained alone with the plain mean cross-entropy. It is named "Classifier" so that a run with
 * the same seed draws the same initialization and batch order as the reweighted classifier.
 */
@Level(value = 1, name = "Classifier")
public class BaselineClassifier extends Problem {

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

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray logits = model.logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray loss = ImageClassifier.perSampleCrossEntropy(logits, labels).mean();
        return Cost.of(loss).withMetric("accuracy", ImageClassifier.accuracy(logits, labels));
    }

    public ImageClassifier model() {
        return model;
    }
}
