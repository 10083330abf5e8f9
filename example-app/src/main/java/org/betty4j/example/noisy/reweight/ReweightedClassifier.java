package org.betty4j.example.noisy.reweight;

import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.example.noisy.model.ClassifierProblem;
import org.betty4j.example.noisy.model.NoisyModels;
import org.betty4j.runtime.problem.Cost;

/** Level 1 of reweight-only: the classifier's cross-entropy on the noisy labels, weighted per sample. */
@Level(value = 1, name = "Classifier")
public class ReweightedClassifier extends ClassifierProblem {

    @Upper
    Reweighter reweighter;

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return NoisyModels.weightedCost(model(), batch, reweighter::apply, null);
    }
}
