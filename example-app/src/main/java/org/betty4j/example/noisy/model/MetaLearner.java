package org.betty4j.example.noisy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.ParameterList;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * The state of an upper problem of the noisy-label programs: a {@link ScalarNet} of the sample's
 * loss, Adam, and the clean meta set as one batch. Subclasses add the {@code @Lower} classifier and
 * the training step (the classifier's meta cross-entropy at its optimum).
 */
public abstract class MetaLearner implements Trainable {

    /** Program option: Adam learning rate of every upper problem [1e-3]; {@code --lr NAME=RATE} sets one. */
    public static final String META_LR = "meta-lr";

    private ScalarNet net;
    private BatchSource data;
    private Optimizer optimizer;

    /** sigmoid of this is the net's output before any meta step. */
    protected abstract float initialLogit(ProblemContext context);

    @Override
    public void setUp(ProblemContext context) {
        NoisyExperiment.Sets sets = NoisyExperiment.forContext(context);
        net = new ScalarNet(context.manager(), 100, initialLogit(context), context.dataType());
        data = NoisyExperiment.batches(context, sets.meta(), sets.meta().count());
        float lr = context.option(ProgramMain.learningRateKey(context.problemName()))
                .or(() -> context.option(META_LR))
                .map(Float::parseFloat).orElse(1e-3f);
        optimizer = Adam.builder().optLearningRate(lr).build();
    }

    /** The net's value for each detached per-sample loss. */
    public NDArray apply(NDArray losses) {
        return net.apply(losses);
    }

    public ScalarNet net() {
        return net;
    }

    @Override
    public ParameterList parameters() {
        return net.block().getParameters();
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
