package org.betty4j.example.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
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
 * Level 2: the architecture parameters α, one row of {@link CellNetwork.Op#COUNT} logits per
 * edge (all zero at the start: a uniform mixture). Its cost is the mixed network's
 * cross-entropy on the validation images at the weights' (approximately) optimal values; Adam,
 * as in DARTS.
 */
@Level(2)
public class Architecture implements Trainable {

    /** The network weights whose optimum this cost evaluates. */
    @Lower
    NetworkWeights weights;

    private NDArray alpha;
    private ParameterList parameters;
    private BatchSource data;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        DartsSettings settings = DartsSettings.from(context.options());
        SearchData d = SearchData.of(ExperimentData.forContext(context));
        alpha = context.manager().zeros(new Shape(CellNetwork.EDGES, CellNetwork.Op.COUNT), context.dataType());
        parameters = ParameterLists.of("alpha", alpha);
        data = ArrayBatchSource.builder(d.validation().images(context.manager()).toType(context.dataType(), false),
                d.validation().labels(context.manager())).optBatchSize(DartsSettings.BATCH).optSeed(context.seed())
                .build();
        optimizer = Adam.builder().optLearningRate(settings.architectureLr()).optWeightDecay(1e-3f).build();
    }

    /** The architecture logits (EDGES, Op.COUNT). */
    public NDArray alpha() {
        return alpha;
    }

    /** The derived architecture: on every edge the operation with the largest α, the zero operation excluded (as DARTS). */
    public CellNetwork.Op[] derive() {
        float[] a = alpha.toFloatArray();
        CellNetwork.Op[] ops = new CellNetwork.Op[CellNetwork.EDGES];
        for (int e = 0; e < CellNetwork.EDGES; e++) {
            int best = -1;
            for (CellNetwork.Op op : CellNetwork.Op.values()) {
                if (op != CellNetwork.Op.ZERO
                        && (best < 0 || a[e * CellNetwork.Op.COUNT + op.ordinal()] > a[e * CellNetwork.Op.COUNT + best])) {
                    best = op.ordinal();
                }
            }
            ops[e] = CellNetwork.Op.values()[best];
        }
        return ops;
    }

    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray labels = batch.getLabels().head();
        NDArray logits = weights.network().mixedLogits(batch.getData().head(), alpha);
        return Cost.of(ImageClassifier.perSampleCrossEntropy(logits, labels).mean())
                .withMetric("validation accuracy", FewShotMlp.accuracy(logits, labels));
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
