package org.betty4j.example.noisy.baseline;

import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.noisy.model.ClassifierProblem;
import org.betty4j.example.noisy.model.NoisyModels;
import org.betty4j.runtime.problem.Cost;

/**
 * The baseline of the noisy-label study: the classifier alone, mean cross-entropy on the noisy
 * labels. Named "Classifier" like the lowest problem of the MLO programs, so a run with the same
 * seed draws the same initialization and batch order.
 */
@Level(value = 1, name = "Classifier")
public class NoisyBaseline extends ClassifierProblem {

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return NoisyModels.plainCost(model(), batch);
    }
}
