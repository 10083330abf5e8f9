package org.betty4j.example.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Hypergrad;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.example.maml.FewShotMlp;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 2: finetuning on the few labelled target images (10 per class, rotated). Its
 * parameters are an offset δ from the pretrained weights: the finetuned network is θ* + δ, so
 * it starts at the pretrained weights (δ = 0), follows them as pretraining goes on, and
 * {@code λ/2 ‖δ‖²} keeps it close to them (the paper's appendix A.3 regularizes finetuning
 * towards the pretrained weights in the same way). Its optimum depends on θ* through the whole
 * cost, which is the Jacobian the reweighting problem's hypergradient passes through.
 */
@Level(2)
@Hypergrad(HypergradMethod.AID_FD)
public class Finetuning implements Trainable {

    /** The pretrained network whose (approximately) optimal weights this problem starts from. */
    @Lower
    Pretraining pretraining;

    private ShiftSettings settings;
    private FewShotMlp delta;
    private ParameterList parameters;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        settings = ShiftSettings.from(context.options());
        DomainShift shift = DomainShift.of(ExperimentData.forContext(context));
        delta = FewShotMlp.zeros(context.manager(), shift.targetTrain().pixelsPerImage(), settings.hidden(),
                ImageClassifier.CLASSES, context.dataType());
        parameters = delta.parameters();
        data = ArrayBatchSource.builder(DomainShift.images(shift.targetTrain(), context.manager()),
                shift.targetTrain().labels(context.manager())).optBatchSize(shift.targetTrain().count())
                .optSeed(context.seed()).build();
        optimizer = Sgd.builder().setLearningRate(settings.finetuneLr()).optMomentum(0.9f).build();
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray labels = batch.getLabels().head();
        NDArray logits = network().logits(batch.getData().head());
        NDArray fit = ImageClassifier.perSampleCrossEntropy(logits, labels).mean();
        NDArray proximal = delta.arrays().stream().map(d -> d.square().sum()).reduce(NDArray::add).orElseThrow()
                .mul(settings.proximal() / 2);
        return Cost.of(fit.add(proximal)).withMetric("target train accuracy", FewShotMlp.accuracy(logits, labels));
    }

    /** The offset δ from the pretrained weights. */
    public FewShotMlp offset() {
        return delta;
    }

    /** The finetuned network θ* + δ (differentiable in both). */
    public FewShotMlp network() {
        return pretraining.network().plus(delta);
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
