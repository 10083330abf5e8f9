package org.betty4j.example.maml;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.Lower;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 2: the meta-initialization θ. Its cost is the adapted network's cross-entropy on the
 * current task's query set, {@code CE(θ + δ_K(θ); query)}: its gradient is the direct term plus
 * the term through the adapter's recorded SGD updates (ITD_RMAD), together MAML's
 * meta-gradient. The gradients of {@value MamlSettings#META_BATCH} tasks are averaged into
 * one Adam update (gradient accumulation: the meta-batch).
 */
@Level(value = 2, gradientAccumulation = MamlSettings.META_BATCH)
public class MetaInitialization implements Trainable {

    /** The adapter whose adapted weights this cost evaluates. */
    @Lower
    TaskAdapter adapter;

    private FewShotMlp theta;
    private ParameterList parameters;
    private Optimizer optimizer;

    @Override
    public void setUp(ProblemContext context) {
        MamlSettings settings = MamlSettings.from(context.options());
        theta = FewShotMlp.create(context.manager(), 28 * 28, settings.hidden(), settings.ways(), context.newRandom(),
                context.dataType());
        parameters = theta.parameters();
        optimizer = Adam.builder().optLearningRate(settings.metaLr()).build();
    }

    @TrainingStep
    public Cost trainingStep(Batch query) {
        NDArray logits = adapter.network().logits(query.getData().head());
        NDArray labels = query.getLabels().head();
        return Cost.of(FewShotMlp.crossEntropy(logits, labels))
                .withMetric("query accuracy", FewShotMlp.accuracy(logits, labels));
    }

    /** The meta-initialization θ. */
    public FewShotMlp network() {
        return theta;
    }

    @Override
    public ParameterList parameters() {
        return parameters;
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The query set of the task the adapter has just adapted to. */
    @Override
    public BatchSource data() {
        return new BatchSource() {
            @Override
            public Batch next(NDManager parent) {
                return adapter.task().query(parent);
            }

            @Override
            public int epoch() {
                return 0;
            }
        };
    }
}
