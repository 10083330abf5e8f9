package org.betty4j.example.noisy;

import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.noisy.model.MetaLearner;
import org.betty4j.example.noisy.model.NoisyModels;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;

/** Upper problem 1 of correct+reweight: the per-sample weight from the loss (a Meta-Weight-Net). */
@Level(2)
public class Reweighter extends MetaLearner {

    @Lower
    CorrectedClassifier classifier;

    @Override
    protected float initialLogit(ProblemContext context) {
        return 0f;
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return NoisyModels.metaCost(classifier.model(), batch);
    }
}
