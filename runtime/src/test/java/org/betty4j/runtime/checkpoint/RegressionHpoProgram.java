package org.betty4j.runtime.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Function;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * A small bilevel program with every kind of state a checkpoint must carry: shuffled data
 * positions, SGD momentum, Adam moments, gradient accumulation, unroll readiness flags.
 * Lower: ridge regression with per-feature penalties λ; upper: λ minimizing validation error.
 *
 * <p>{@code main} runs it in a child JVM for the kill-and-resume test:
 * {@code ITERATIONS OUT_FILE [CHECKPOINT_FILE EVERY SLEEP_MS] [--resume CHECKPOINT_FILE]}.
 */
public final class RegressionHpoProgram {

    static final int FEATURES = 12;

    private RegressionHpoProgram() {}

    /** A problem with one float64 parameter vector, a batch source and an optimizer. */
    static final class VectorProblem implements Trainable {
        private final Function<ProblemContext, NDArray> init;
        private final Function<ProblemContext, BatchSource> data;
        private final Function<ProblemContext, Optimizer> optimizer;
        NDArray theta;
        private BatchSource source;
        private Optimizer opt;

        VectorProblem(Function<ProblemContext, NDArray> init, Function<ProblemContext, BatchSource> data,
                Function<ProblemContext, Optimizer> optimizer) {
            this.init = init;
            this.data = data;
            this.optimizer = optimizer;
        }

        @Override
        public void setUp(ProblemContext context) {
            theta = init.apply(context);
            source = data.apply(context);
            opt = optimizer.apply(context);
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("theta", theta);
        }

        @Override
        public Optimizer optimizer() {
            return opt;
        }

        @Override
        public BatchSource data() {
            return source;
        }
    }

    static Program program() {
        VectorProblem weights = new VectorProblem(
                c -> c.manager().zeros(new Shape(FEATURES), ai.djl.ndarray.types.DataType.FLOAT64),
                c -> source(c, 1, 160, 16),
                c -> Sgd.builder().setLearningRate(0.05f).optMomentum(0.9f).build());
        VectorProblem penalties = new VectorProblem(
                c -> c.manager().ones(new Shape(FEATURES), ai.djl.ndarray.types.DataType.FLOAT64).mul(0.1),
                c -> source(c, 2, 80, 20),
                c -> Adam.builder().optLearningRate(0.01f).build());
        return Program.builder("regression-hpo")
                .problem(ProblemNode.builder("Weights", 1, weights)
                        .costFunction(b -> Cost.of(mse(b, weights.theta).add(
                                penalties.theta.mul(weights.theta.square()).sum())))
                        .optUnrollSteps(3)
                        .optGradientAccumulation(2)
                        .build())
                .problem(ProblemNode.builder("Penalties", 2, penalties)
                        .costFunction(b -> Cost.of(mse(b, weights.theta)))
                        .build())
                .upperToLower("Penalties", "Weights")
                .lowerToUpper("Weights", "Penalties")
                .path("Penalties", "Weights", "Penalties")
                .build();
    }

    private static NDArray mse(Batch b, NDArray w) {
        NDArray x = b.getData().head();
        NDArray y = b.getLabels().head();
        return x.matMul(w).sub(y).square().mean();
    }

    /** Synthetic regression data y = x·w* + noise, seeded per set. */
    private static BatchSource source(ProblemContext c, int set, int rows, int batch) {
        Random r = new Random(1000 + set);
        double[] x = new double[rows * FEATURES];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double dot = 0;
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = r.nextGaussian();
                dot += x[i * FEATURES + j] * (j < 4 ? 1.0 : 0.0);
            }
            y[i] = dot + 0.5 * r.nextGaussian();
        }
        NDManager m = c.manager();
        return ArrayBatchSource.builder(m.create(x, new Shape(rows, FEATURES)), m.create(y))
                .optBatchSize(batch)
                .optSeed(c.seed())
                .build();
    }

    public static void main(String[] args) throws IOException {
        int iterations = Integer.parseInt(args[0]);
        Path out = Path.of(args[1]);
        EngineConfig.Builder config = EngineConfig.builder().optIterations(iterations).optSeed(5);
        long sleepMs = 0;
        int i = 2;
        if (args.length > i && !args[i].equals("--resume")) {
            config.optCheckpoint(Path.of(args[i]), Integer.parseInt(args[i + 1]));
            sleepMs = Long.parseLong(args[i + 2]);
            i += 3;
        }
        if (args.length > i && args[i].equals("--resume")) {
            config.optResumeFrom(Path.of(args[i + 1]));
        }
        long sleep = sleepMs;
        try (Engine engine = new Engine(program(), config.build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    System.out.println("step " + globalStep);
                    System.out.flush();
                    if (sleep > 0) {
                        try {
                            Thread.sleep(sleep);
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            });
            engine.run();
            try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(out))) {
                for (String p : new String[] {"Weights", "Penalties"}) {
                    for (NDArray a : engine.parameters(p)) {
                        o.write(a.encode());
                    }
                }
            }
        }
    }
}
