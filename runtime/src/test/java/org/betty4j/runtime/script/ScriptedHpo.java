package org.betty4j.runtime.script;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Scripted;
import org.betty4j.runtime.problem.Trainable;

/**
 * Betty's logistic-regression HPO (as LogisticRegressionHpoTest builds it: 20 features, 1000
 * generated samples split in half, inner BCE + ½ Σ λᵢ wᵢ² over 100 unroll steps with weights reset
 * at each unroll start, outer BCE on validation with SGD lr 1.0 momentum 0.9, λ clamped ≥ 1e-8),
 * with an inner problem that also gives its cost in TorchScript when {@code Settings.scripted} is set.
 * Counts the calls of the inner Java training step.
 */
public final class ScriptedHpo {

    static final int FEATURES = 20;
    static final int SAMPLES = 1000;

    /** The inner cost in TorchScript: the Java cost's operations in the same order. */
    static final String INNER_COST = """
            def cost(w: Tensor, lam: Tensor, x: Tensor, y: Tensor) -> Tensor:
                z = torch.matmul(x, w)
                tail = torch.log(torch.exp(torch.neg(torch.abs(z))) + 1)
                fit = torch.mean(torch.maximum(z, torch.zeros_like(z)) - z * y + tail)
                return fit + torch.sum(torch.square(w) * lam) * 0.5
            """;

    /** How to build the program. */
    public static final class Settings {
        public boolean scripted = true;
        String innerCost = INNER_COST;
        Supplier<Optimizer> innerOptimizer = () -> Sgd.builder().setLearningRate(0.1f).build();
        public HypergradConfig hypergrad = HypergradConfig.defaults(org.betty4j.annotations.HypergradMethod.AID_FD);
        int unroll = 100;
        int accumulation = 1;
        double clip = 0;
        boolean observeGradients;
        int batchSize = SAMPLES / 2;
    }

    final AtomicInteger innerCostCalls = new AtomicInteger();
    Linear inner;
    Linear outer;

    static NDArray bceWithLogits(NDArray logits, NDArray labels) {
        NDArray softplusTail = logits.abs().neg().exp().add(1).log();
        return logits.maximum(0).sub(logits.mul(labels)).add(softplusTail).mean();
    }

    public Program program(Settings s) {
        Random r = new Random(2022);
        double[] wTrue = randomVector(r);
        double[][] x = new double[SAMPLES][];
        double[] y = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            x[i] = randomVector(r);
            double score = 0;
            for (int j = 0; j < FEATURES; j++) {
                score += x[i][j] * wTrue[j];
            }
            y[i] = score + 0.1 * r.nextGaussian() > 0 ? 1 : 0;
        }
        int half = SAMPLES / 2;
        outer = new Linear(1f, Sgd.builder().setLearningRate(1.0f).optMomentum(0.9f).build(),
                Arrays.copyOfRange(x, half, SAMPLES), Arrays.copyOfRange(y, half, SAMPLES), false, true, half);
        double[][] xTrain = Arrays.copyOfRange(x, 0, half);
        double[] yTrain = Arrays.copyOfRange(y, 0, half);
        inner = s.observeGradients ? new ObservingLinear(s.innerOptimizer.get(), xTrain, yTrain, s.batchSize,
                s.innerCost, outer)
                : s.scripted ? new ScriptedLinear(s.innerOptimizer.get(), xTrain, yTrain, s.batchSize, s.innerCost, outer)
                : new Linear(0f, s.innerOptimizer.get(), xTrain, yTrain, true, false, s.batchSize);
        ProblemNode.Builder innerNode = ProblemNode.builder("inner", 1, inner)
                .costFunction(batch -> {
                    innerCostCalls.incrementAndGet();
                    NDArray w = inner.theta;
                    NDArray fit = bceWithLogits(x(batch).matMul(w), y(batch));
                    return Cost.of(fit.add(w.square().mul(outer.theta).sum().mul(0.5f)));
                })
                .optUnrollSteps(s.unroll)
                .optHypergrad(s.hypergrad)
                .optGradientAccumulation(s.accumulation);
        if (s.clip > 0) {
            innerNode.optClipGradNorm(s.clip);
        }
        return Program.builder("scripted-hpo")
                .problem(innerNode.build())
                .problem(ProblemNode.builder("outer", 2, outer)
                        .costFunction(batch -> Cost.of(bceWithLogits(x(batch).matMul(inner.theta), y(batch))))
                        .build())
                .upperToLower("outer", "inner")
                .lowerToUpper("inner", "outer")
                .path("outer", "inner", "outer")
                .build();
    }

    private static double[] randomVector(Random r) {
        double[] v = new double[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    static NDArray x(Batch batch) {
        return batch.getData().head();
    }

    static NDArray y(Batch batch) {
        return batch.getLabels().head();
    }

    /** A problem holding one float32 vector. */
    static class Linear implements Trainable {
        private final float initial;
        private final Optimizer optimizer;
        private final double[][] x;
        private final double[] y;
        private final boolean resetAtInnerLoopStart;
        private final boolean clampAfterUpdate;
        private final int batchSize;
        NDArray theta;
        private BatchSource data;

        Linear(float initial, Optimizer optimizer, double[][] x, double[] y, boolean reset, boolean clamp,
                int batchSize) {
            this.initial = initial;
            this.optimizer = optimizer;
            this.x = x;
            this.y = y;
            this.resetAtInnerLoopStart = reset;
            this.clampAfterUpdate = clamp;
            this.batchSize = batchSize;
        }

        @Override
        public void setUp(ProblemContext context) {
            NDManager m = context.manager();
            theta = m.full(new Shape(FEATURES), initial, DataType.FLOAT32);
            data = ArrayBatchSource.builder(m.create(x).toType(DataType.FLOAT32, false),
                    m.create(y).toType(DataType.FLOAT32, false)).optBatchSize(batchSize).optShuffle(false).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("theta", theta);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public BatchSource data() {
            return data;
        }

        @Override
        public void onInnerLoopStart() {
            if (resetAtInnerLoopStart) {
                try (GradMode off = GradMode.disabled()) {
                    theta.muli(0);
                }
            }
        }

        @Override
        public void afterUpdate() {
            if (clampAfterUpdate) {
                try (GradMode off = GradMode.disabled(); NDArray clamped = theta.maximum(1e-8f)) {
                    theta.muli(0).addi(clamped);
                }
            }
        }

    }

    /** The inner problem, with its cost in TorchScript too. */
    static class ScriptedLinear extends Linear implements Scripted {
        private final String script;
        private final Linear reads;

        ScriptedLinear(Optimizer optimizer, double[][] x, double[] y, int batchSize, String script, Linear reads) {
            super(0f, optimizer, x, y, true, false, batchSize);
            this.script = script;
            this.reads = reads;
        }

        @Override
        public String scriptedCost() {
            return script;
        }

        @Override
        public NDList scriptedReads() {
            return new NDList(reads.theta);
        }
    }

    /** The inner problem with an afterGradients hook (which sees the gradient, so no fused step). */
    static final class ObservingLinear extends ScriptedLinear {
        int gradientsSeen;

        ObservingLinear(Optimizer optimizer, double[][] x, double[] y, int batchSize, String script, Linear reads) {
            super(optimizer, x, y, batchSize, script, reads);
        }

        @Override
        public void afterGradients(NDList parameters, NDList gradients) {
            gradientsSeen++;
        }
    }
}
