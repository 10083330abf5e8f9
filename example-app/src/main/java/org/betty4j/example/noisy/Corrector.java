package org.betty4j.example.noisy;

import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.noisy.model.MetaLearner;
import org.betty4j.example.noisy.model.NoisyModels;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * Upper problem 2 of correct+reweight: label correction. From a sample's loss it gives the trust
 * λ in its given label; the classifier's target is {@code λ·onehot(label) + (1 − λ)·prediction}.
 * Trust starts at sigmoid({@value #DEFAULT_INITIAL_LOGIT}) (program option {@value #INITIAL_LOGIT}),
 * i.e. the given labels are believed until the clean meta set says otherwise.
 */
@Level(2)
public class Corrector extends MetaLearner {

    public static final String INITIAL_LOGIT = "trust-init";
    public static final float DEFAULT_INITIAL_LOGIT = 2f;

    @Lower
    CorrectedClassifier classifier;

    @Override
    protected float initialLogit(ProblemContext context) {
        return context.option(INITIAL_LOGIT).map(Float::parseFloat).orElse(DEFAULT_INITIAL_LOGIT);
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        return NoisyModels.metaCost(classifier.model(), batch);
    }
}
