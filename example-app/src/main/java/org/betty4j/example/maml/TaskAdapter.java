package org.betty4j.example.maml;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.Random;
import org.betty4j.annotations.Hypergrad;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 1: adapts the network to one few-shot task. Its parameters are an offset δ from the
 * meta-initialization θ: the adapted network is θ + δ. At the start of every inner loop it
 * draws a new meta-training task and sets δ = 0 (the adapted network starts at θ); then it
 * takes {@value MamlSettings#INNER_STEPS} SGD steps on the task's support set minimizing
 * {@code CE(θ + δ; support) + λ/2 ‖δ‖²} (λ = 0 by default: plain MAML; λ > 0 adds iMAML's
 * proximal term).
 *
 * <p>Why an offset: the reset sets δ to a constant, so the adapted weights θ + δ_K depend on θ
 * only through the cost, and reverse-mode differentiation through the recorded SGD updates
 * (ITD_RMAD) gives the exact MAML meta-gradient, second-order terms included. Resetting the
 * weights themselves to a copy of θ would hide the dependence on θ from the engine. (AID-CG,
 * iMAML's method, needs a positive-definite Hessian; this MLP's cross-entropy Hessian has
 * negative curvature larger than any λ that leaves room to adapt, and CG stopped on it.)
 */
@Level(value = 1, unrollSteps = MamlSettings.INNER_STEPS)
@Hypergrad(HypergradMethod.ITD_RMAD)
public class TaskAdapter implements Trainable {

    /** The meta-initialization: the adapted network is θ + δ. */
    @Upper
    MetaInitialization initialization;

    private MamlSettings settings;
    private FewShotTasks tasks;
    private Random random;
    private FewShotMlp delta;
    private ParameterList parameters;
    private Optimizer optimizer;
    private FewShotTasks.Task task;
    private int tasksSeen;

    @Override
    public void setUp(ProblemContext context) {
        settings = MamlSettings.from(context.options());
        tasks = FewShotTasks.of(ExperimentData.forContext(context));
        random = context.newRandom();
        delta = FewShotMlp.zeros(context.manager(), tasks.pixels(), settings.hidden(), settings.ways(),
                context.dataType());
        parameters = delta.parameters();
        optimizer = Sgd.builder().setLearningRate(settings.innerLr()).build();
    }

    /** A new meta-training task, and the offset back to zero (the adapted network back to θ). */
    @Override
    public void onInnerLoopStart() {
        task = tasks.sample(random, FewShotTasks.TRAIN_CLASSES, settings.ways(), settings.shots(), settings.queries());
        tasksSeen++;
        for (NDArray d : delta.arrays()) {
            d.muli(0);
        }
    }

    @TrainingStep
    public Cost trainingStep(Batch support) {
        NDArray logits = network().logits(support.getData().head());
        NDArray labels = support.getLabels().head();
        NDArray loss = FewShotMlp.crossEntropy(logits, labels);
        if (settings.lambda() > 0) {
            loss = loss.add(delta.arrays().stream().map(d -> d.square().sum()).reduce(NDArray::add).orElseThrow()
                    .mul(settings.lambda() / 2));
        }
        return Cost.of(loss)
                .withMetric("support accuracy", FewShotMlp.accuracy(logits, labels));
    }

    /** The adapted network θ + δ (differentiable in both). */
    public FewShotMlp network() {
        return initialization.network().plus(delta);
    }

    /** The task of the current inner loop. */
    public FewShotTasks.Task task() {
        if (task == null) {
            throw new IllegalStateException("TaskAdapter: no task yet; the first inner loop has not started");
        }
        return task;
    }

    /** Meta-training tasks drawn so far. */
    public int tasksSeen() {
        return tasksSeen;
    }

    @Override
    public ParameterList parameters() {
        return parameters;
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The current task's support set, as often as asked (the task changes at the next inner loop). */
    @Override
    public BatchSource data() {
        return new BatchSource() {
            @Override
            public Batch next(NDManager parent) {
                return task().support(parent);
            }

            @Override
            public int epoch() {
                return 0;
            }
        };
    }
}
