package org.betty4j.example.noisy.reweight;

import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.noisy.model.MetaLearner;
import org.betty4j.example.noisy.model.NoisyModels;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;

/** Level 2 of reweight-only: a Meta-Weight-Net, weights start at 0.5, learned on the clean meta set. */
@Level(2)
public class Reweighter extends MetaLearner {

    @Lower
    ReweightedClassifier classifier;

    @Override
    protected float initialLogit(ProblemContext context) {
        return 0f;
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return NoisyModels.metaCost(classifier.model(), batch);
    }
}
