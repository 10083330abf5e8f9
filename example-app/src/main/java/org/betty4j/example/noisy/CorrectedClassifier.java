package org.betty4j.example.noisy;

import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.example.noisy.model.ClassifierProblem;
import org.betty4j.example.noisy.model.NoisyModels;
import org.betty4j.runtime.problem.Cost;

/**
 * Level 1 of correct+reweight: the classifier's cross-entropy against corrected targets (the noisy
 * label mixed with its own prediction by the corrector's trust), weighted by the reweighter. Both
 * upper problems' current parameters enter this cost; both differentiate through its
 * best-response Jacobian with the method of this problem (AID_FD unless overridden).
 */
@Level(value = 1, name = "Classifier")
public class CorrectedClassifier extends ClassifierProblem {

    @Upper
    Reweighter reweighter;

    @Upper
    Corrector corrector;

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return NoisyModels.weightedCost(model(), batch, reweighter::apply, corrector::apply);
    }
}
