package org.betty4j.example.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.maml.FewShotMlp;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 3: one weight per source example, {@code wᵢ = sigmoid(aᵢ)} (all 0.5 at the start). Its
 * cost is the finetuned network's cross-entropy on target validation images; the gradient
 * reaches the logits {@code a} along two paths: through finetuning and then pretraining
 * (the finetuned weights θ* + δ* depend on θ* also through δ*), and through pretraining
 * directly (the cost reads θ*).
 */
@Level(3)
public class SourceReweighting implements Trainable {

    /** The finetuned network this cost evaluates. */
    @Lower
    Finetuning finetuning;

    /** The pretrained weights, which the finetuned network adds its offset to. */
    @Lower
    Pretraining pretraining;

    private NDArray logits;
    private ParameterList parameters;
    private BatchSource data;
    private Optimizer optimizer;
    private boolean frozen;

    @Override
    public void setUp(ProblemContext context) {
        ShiftSettings settings = ShiftSettings.from(context.options());
        DomainShift shift = DomainShift.of(ExperimentData.forContext(context));
        logits = context.manager().zeros(new Shape(shift.source().count()), context.dataType());
        parameters = ParameterLists.of("a", logits);
        data = ArrayBatchSource.builder(DomainShift.images(shift.targetValidation(), context.manager()),
                shift.targetValidation().labels(context.manager())).optBatchSize(ShiftSettings.VALIDATION_BATCH)
                .optSeed(context.seed()).build();
        frozen = settings.reweightLr() == 0;
        // Adam refuses a zero rate; with reweighting off the gradient is zeroed instead (afterGradients)
        optimizer = Adam.builder().optLearningRate(frozen ? 1f : settings.reweightLr()).build();
    }

    /**
     * With the rate 0 (the baseline) every update's gradient is zeroed, so Adam's moments and
     * the weights stay exactly where they started: uniform weights, plain pretraining.
     */
    @Override
    public void afterGradients(NDList parameters, NDList gradients) {
        if (frozen) {
            for (NDArray g : gradients) {
                g.muli(0);
            }
        }
    }

    /** The weights of the source examples at {@code indices} (int64), in (0, 1). */
    public NDArray weights(NDArray indices) {
        return Activation.sigmoid(logits.get(indices));
    }

    /** Every source example's current weight. */
    public float[] allWeights() {
        return Activation.sigmoid(logits).toFloatArray();
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray labels = batch.getLabels().head();
        NDArray out = finetuning.network().logits(batch.getData().head());
        return Cost.of(ImageClassifier.perSampleCrossEntropy(out, labels).mean())
                .withMetric("target validation accuracy", FewShotMlp.accuracy(out, labels));
    }

    @Override
    public ParameterList parameters() {
        return parameters;
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
