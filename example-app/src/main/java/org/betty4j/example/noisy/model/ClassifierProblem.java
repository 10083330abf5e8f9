package org.betty4j.example.noisy.model;

import ai.djl.nn.ParameterList;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * The state of the lowest problem of every noisy-label program: the classifier, SGD and batches of
 * {@value NoisyModels#BATCH} noisy-labelled training images. Subclasses add the edges and the cost.
 */
public abstract class ClassifierProblem implements Trainable, HasClassifier {

    private ImageClassifier model;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        NoisyExperiment.Sets sets = NoisyExperiment.forContext(context);
        model = NoisyModels.classifier(context, sets.train().pixelsPerImage());
        data = NoisyExperiment.batches(context, sets.train(), NoisyModels.BATCH);
        optimizer = NoisyModels.optimizer(context);
    }

    @Override
    public ImageClassifier model() {
        return model;
    }

    @Override
    public ParameterList parameters() {
        return model.block().getParameters();
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
