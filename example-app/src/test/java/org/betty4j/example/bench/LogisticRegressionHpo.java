package org.betty4j.example.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.Arrays;
import java.util.Random;
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
 * Betty's logistic-regression HPO (examples/logistic_regression_hpo) as the runtime's
 * LogisticRegressionHpoTest builds it: 20 features, 1000 generated samples split in half, inner
 * BCE + ½ Σ λᵢ wᵢ² with SGD lr 0.1 over 100 unroll steps (weights reset to zero at each unroll
 * start), outer BCE on validation with SGD lr 1.0 momentum 0.9, λ clamped ≥ 1e-8.
 */
final class LogisticRegressionHpo {

    static final int FEATURES = 20;
    static final int SAMPLES = 1000;
    static final int UNROLL = 100;
    static final float INNER_LR = 0.1f;
    static final float OUTER_LR = 1.0f;
    static final float OUTER_MOMENTUM = 0.9f;

    /** Train and validation halves, generated with a fixed seed. */
    record Data(double[][] xTrain, double[] yTrain, double[][] xVal, double[] yVal) {

        static Data generate() {
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
            return new Data(Arrays.copyOfRange(x, 0, half), Arrays.copyOfRange(y, 0, half),
                    Arrays.copyOfRange(x, half, SAMPLES), Arrays.copyOfRange(y, half, SAMPLES));
        }

        private static double[] randomVector(Random r) {
            double[] v = new double[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                v[i] = r.nextGaussian();
            }
            return v;
        }
    }

    private LogisticRegressionHpo() {}

    /** BCE with logits, stable form: mean(max(z, 0) − z·y + log(1 + exp(−|z|))). */
    static NDArray bceWithLogits(NDArray logits, NDArray labels) {
        NDArray softplusTail = logits.abs().neg().exp().add(1).log();
        return logits.maximum(0).sub(logits.mul(labels)).add(softplusTail).mean();
    }

    static NDArray innerCost(NDArray x, NDArray y, NDArray w, NDArray lambda) {
        NDArray fit = bceWithLogits(x.matMul(w), y);
        return fit.add(w.square().mul(lambda).sum().mul(0.5f));
    }

    static NDArray outerCost(NDArray x, NDArray y, NDArray w) {
        return bceWithLogits(x.matMul(w), y);
    }

    /**
     * {@link #innerCost} in TorchScript for the fused scripted step: the same operations in the
     * same order (so the same numbers to the bit).
     */
    static final String INNER_COST_SCRIPT = """
            def cost(w: Tensor, lam: Tensor, x: Tensor, y: Tensor) -> Tensor:
                z = torch.matmul(x, w)
                tail = torch.log(torch.exp(torch.neg(torch.abs(z))) + 1)
                fit = torch.mean(torch.maximum(z, torch.zeros_like(z)) - z * y + tail)
                return fit + torch.sum(torch.square(w) * lam) * 0.5
            """;

    /** The program the engine runs, with {@code hypergrad} on the inner problem. */
    static Program program(HypergradConfig hypergrad) {
        return program(hypergrad, false);
    }

    /**
     * The program the engine runs, with {@code hypergrad} on the inner problem; with
     * {@code scripted} the inner problem also gives its cost in TorchScript, and the engine runs
     * its steps as one TorchScript call each.
     */
    static Program program(HypergradConfig hypergrad, boolean scripted) {
        Data d = Data.generate();
        Linear outer = new Linear(1f, Sgd.builder().setLearningRate(OUTER_LR).optMomentum(OUTER_MOMENTUM).build(),
                d.xVal(), d.yVal(), false, true);
        Sgd innerSgd = Sgd.builder().setLearningRate(INNER_LR).build();
        Linear inner = scripted ? new ScriptedLinear(innerSgd, d.xTrain(), d.yTrain(), outer)
                : new Linear(0f, innerSgd, d.xTrain(), d.yTrain(), true, false);
        return Program.builder("logistic-regression-hpo")
                .problem(ProblemNode.builder("inner", 1, inner)
                        .costFunction(batch -> Cost.of(innerCost(x(batch), y(batch), inner.theta, outer.theta)))
                        .optUnrollSteps(UNROLL)
                        .optHypergrad(hypergrad)
                        .build())
                .problem(ProblemNode.builder("outer", 2, outer)
                        .costFunction(batch -> Cost.of(outerCost(x(batch), y(batch), inner.theta)))
                        .build())
                .upperToLower("outer", "inner")
                .lowerToUpper("inner", "outer")
                .path("outer", "inner", "outer")
                .build();
    }

    static NDArray x(Batch batch) {
        return batch.getData().head();
    }

    static NDArray y(Batch batch) {
        return batch.getLabels().head();
    }

    /** The inner problem with its cost in TorchScript too; reads the outer problem's λ. */
    private static final class ScriptedLinear extends Linear implements Scripted {
        private final Linear outer;

        ScriptedLinear(Optimizer optimizer, double[][] x, double[] y, Linear outer) {
            super(0f, optimizer, x, y, true, false);
            this.outer = outer;
        }

        @Override
        public String scriptedCost() {
            return INNER_COST_SCRIPT;
        }

        @Override
        public NDList scriptedReads() {
            return new NDList(outer.theta);
        }
    }

    /** A problem holding one float32 vector, trained on full batches of one data split. */
    private static class Linear implements Trainable {
        private final float initial;
        private final Optimizer optimizer;
        private final double[][] x;
        private final double[] y;
        private final boolean resetAtInnerLoopStart;
        private final boolean clampAfterUpdate;
        NDArray theta;
        private BatchSource data;

        Linear(float initial, Optimizer optimizer, double[][] x, double[] y, boolean reset, boolean clamp) {
            this.initial = initial;
            this.optimizer = optimizer;
            this.x = x;
            this.y = y;
            this.resetAtInnerLoopStart = reset;
            this.clampAfterUpdate = clamp;
        }

        @Override
        public void setUp(ProblemContext context) {
            NDManager m = context.manager();
            theta = m.full(new Shape(FEATURES), initial, DataType.FLOAT32);
            data = ArrayBatchSource.builder(m.create(x).toType(DataType.FLOAT32, false),
                    m.create(y).toType(DataType.FLOAT32, false)).optBatchSize(y.length).optShuffle(false).build();
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
}
