package org.betty4j.example.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Hypergrad;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.example.maml.FewShotMlp;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 1: pretraining θ on the source domain (upright, long-tailed) with a weighted
 * cross-entropy {@code Σ wᵢ ℓᵢ / Σ wᵢ}, {@code wᵢ} the reweighting problem's current weight of
 * source example {@code i}. A batch's "labels" are the examples' indices in the source set,
 * from which the step looks up their classes and weights.
 */
@Level(1)
@Hypergrad(HypergradMethod.AID_FD)
public class Pretraining implements Trainable {

    /** The per-example weights of the source set. */
    @Upper
    SourceReweighting reweighting;

    private FewShotMlp theta;
    private ParameterList parameters;
    private NDArray sourceLabels;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        ShiftSettings settings = ShiftSettings.from(context.options());
        DomainShift shift = DomainShift.of(ExperimentData.forContext(context));
        theta = FewShotMlp.create(context.manager(), shift.source().pixelsPerImage(), settings.hidden(),
                ImageClassifier.CLASSES, context.newRandom(), context.dataType());
        parameters = theta.parameters();
        sourceLabels = shift.source().labels(context.manager());
        NDArray indices = context.manager().arange(0, shift.source().count(), 1, ai.djl.ndarray.types.DataType.INT64);
        data = ArrayBatchSource.builder(DomainShift.images(shift.source(), context.manager()), indices)
                .optBatchSize(ShiftSettings.SOURCE_BATCH).optSeed(context.seed()).build();
        optimizer = ImageClassifier.optimizer(context);
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray indices = batch.getLabels().head();
        NDArray labels = sourceLabels.get(indices);
        NDArray logits = theta.logits(batch.getData().head());
        NDArray losses = ImageClassifier.perSampleCrossEntropy(logits, labels);
        NDArray weights = reweighting.weights(indices);
        return Cost.of(losses.mul(weights).sum().div(weights.sum().add(1e-8f)))
                .withMetric("source accuracy", FewShotMlp.accuracy(logits, labels));
    }

    /** The pretrained network θ. */
    public FewShotMlp network() {
        return theta;
    }

    /** Class of every source example (int64). */
    NDArray sourceLabels() {
        return sourceLabels;
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
