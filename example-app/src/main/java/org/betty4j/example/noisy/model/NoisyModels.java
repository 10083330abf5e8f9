package org.betty4j.example.noisy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.dataset.Batch;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * What the three noisy-label programs share: the classifier (MLP 784-{@value #HIDDEN}-10, as in
 * Betty's noisy-label study), its optimizer, and its cost with optional per-sample weights and
 * corrected targets. Sharing it makes baseline, reweight-only and correct+reweight differ only in
 * what their upper problems change.
 */
public final class NoisyModels {

    public static final int HIDDEN = 100;
    public static final int BATCH = 100;
    /** Program option: the classifier's SGD learning rate [0.01]; {@code --lr Classifier=RATE} also does. */
    public static final String CLASSIFIER_LR = "classifier-lr";

    private NoisyModels() {}

    public static ImageClassifier classifier(ProblemContext context, int inputs) {
        return ImageClassifier.create(context.manager(), inputs, HIDDEN, context.dataType());
    }

    /**
     * SGD with momentum 0.9 and weight decay 5e-4 at a CONSTANT learning rate: the long runs of this
     * study are meant to show the baseline memorizing the wrong labels, which a decay to zero hides
     * only partly and a fixed rate shows plainly; {@code Sgd} keeps ITD_RMAD available.
     */
    public static Optimizer optimizer(ProblemContext context) {
        float lr = context.option(ProgramMain.learningRateKey(context.problemName()))
                .or(() -> context.option(CLASSIFIER_LR))
                .map(Float::parseFloat).orElse(0.01f);
        return Sgd.builder().setLearningRate(lr).optMomentum(0.9f).optWeightDecay(5e-4f).build();
    }

    /** The (unweighted, uncorrected) mean cross-entropy against the batch's noisy labels. */
    public static Cost plainCost(ImageClassifier model, Batch batch) {
        NDArray logits = model.logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray loss = ImageClassifier.perSampleCrossEntropy(logits, labels).mean();
        return Cost.of(loss).withMetric("accuracy", ImageClassifier.accuracy(logits, labels));
    }

    /**
     * The weighted, optionally corrected cross-entropy {@code Σ wᵢ CE(tᵢ, pᵢ) / Σ wᵢ}, where the
     * target {@code tᵢ = λᵢ·onehot(ỹᵢ) + (1 − λᵢ)·p̂ᵢ} mixes the noisy label with the classifier's
     * own detached prediction (learned soft bootstrapping); {@code λ = null} means {@code tᵢ =
     * onehot(ỹᵢ)}. {@code weights} and {@code λ} are functions of the detached per-sample loss.
     *
     * @param weighting maps detached losses (batch) to weights (batch)
     * @param trust maps detached losses (batch) to λ in (0, 1) (batch), or null for no correction
     */
    public static Cost weightedCost(ImageClassifier model, Batch batch, java.util.function.UnaryOperator<NDArray> weighting,
            java.util.function.UnaryOperator<NDArray> trust) {
        NDArray logits = model.logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray logProbs = logits.logSoftmax(1);
        NDArray oneHot = labels.oneHot(ImageClassifier.CLASSES).toType(logits.getDataType(), false);
        NDArray plainLosses = logProbs.mul(oneHot).sum(new int[] {1}).neg();
        NDArray detached = plainLosses.stopGradient();
        NDArray targets = oneHot;
        double meanTrust = 1;
        if (trust != null) {
            NDArray lambda = trust.apply(detached).reshape(-1, 1);
            NDArray predicted = logProbs.stopGradient().exp();
            targets = lambda.mul(oneHot).add(lambda.neg().add(1f).mul(predicted));
            meanTrust = lambda.mean().getFloat();
        }
        NDArray losses = logProbs.mul(targets).sum(new int[] {1}).neg();
        NDArray weights = weighting.apply(detached);
        NDArray loss = losses.mul(weights).sum().div(weights.sum().add(1e-8f));
        Cost cost = Cost.of(loss)
                .withMetric("accuracy", ImageClassifier.accuracy(logits, labels))
                .withMetric("mean weight", weights.mean().getFloat());
        return trust == null ? cost : cost.withMetric("mean trust", meanTrust);
    }

    /** The upper problems' cost: mean cross-entropy of the classifier on the clean meta batch. */
    public static Cost metaCost(ImageClassifier model, Batch batch) {
        NDArray logits = model.logits(batch.getData().head(), true);
        NDArray labels = batch.getLabels().head();
        NDArray loss = ImageClassifier.perSampleCrossEntropy(logits, labels).mean();
        return Cost.of(loss).withMetric("meta accuracy", ImageClassifier.accuracy(logits, labels));
    }
}
