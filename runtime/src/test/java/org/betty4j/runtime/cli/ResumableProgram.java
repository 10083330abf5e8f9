package org.betty4j.runtime.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.betty4j.runtime.problem.Validating;

/**
 * A small bilevel program every hypergradient method can differentiate, with state a
 * checkpoint must carry: ridge regression (lower, SGD with momentum, shuffled batches) whose
 * per-feature penalties the upper learns with Adam on held-out data. The upper validates
 * with every parameter's exact value, so a metrics file pins the final parameters bit for bit.
 *
 * <p>Options (read in setUp): {@code step-sleep-ms} slows each lower batch down so a test
 * can kill the run mid-way; {@code ridge.init} is the penalties' initial value.
 *
 * <p>{@code main} runs the generated-main command line in a child JVM, once per argument group
 * (groups separated by {@code --next}), printing {@code exit N} after each.
 */
public final class ResumableProgram {

    static final int FEATURES = 5;

    private ResumableProgram() {}

    /** One float64 parameter vector with its data and optimizer. */
    static final class Vector implements Trainable {
        private final boolean lower;
        NDArray theta;
        private BatchSource source;
        private Optimizer optimizer;
        private long sleepMs;

        Vector(boolean lower) {
            this.lower = lower;
        }

        @Override
        public void setUp(ProblemContext c) {
            NDManager m = c.manager();
            double init = lower ? 0 : Double.parseDouble(c.option("ridge.init").orElse("0.1"));
            theta = m.ones(new Shape(FEATURES), DataType.FLOAT64).mul(init);
            source = source(c, lower ? 1 : 2, lower ? 60 : 40, 10);
            optimizer = lower ? Sgd.builder().setLearningRate(0.05f).optMomentum(0.9f).build()
                    : Adam.builder().optLearningRate(0.02f).build();
            sleepMs = Long.parseLong(c.option("step-sleep-ms").orElse("0"));
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
            if (!lower || sleepMs == 0) {
                return source;
            }
            return new BatchSource() {
                @Override
                public Batch next(NDManager parent) {
                    try {
                        Thread.sleep(sleepMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return source.next(parent);
                }

                @Override
                public int epoch() {
                    return source.epoch();
                }

                @Override
                public byte[] saveState() {
                    return source.saveState();
                }

                @Override
                public void restoreState(byte[] state) {
                    source.restoreState(state);
                }
            };
        }
    }

    /** The upper problem also reports both problems' exact parameters at each validation. */
    static final class Penalties implements Trainable, Validating {
        final Vector vector = new Vector(false);
        private final Vector weights;

        Penalties(Vector weights) {
            this.weights = weights;
        }

        @Override
        public void setUp(ProblemContext context) {
            vector.setUp(context);
        }

        @Override
        public ParameterList parameters() {
            return vector.parameters();
        }

        @Override
        public Optimizer optimizer() {
            return vector.optimizer();
        }

        @Override
        public BatchSource data() {
            return vector.data();
        }

        @Override
        public Map<String, Double> validate() {
            Map<String, Double> out = new LinkedHashMap<>();
            double[] w = weights.theta.toDoubleArray();
            double[] p = vector.theta.toDoubleArray();
            for (int i = 0; i < FEATURES; i++) {
                out.put("w" + i, w[i]);
                out.put("p" + i, p[i]);
            }
            return out;
        }
    }

    static Program program() {
        Vector weights = new Vector(true);
        Penalties penalties = new Penalties(weights);
        return Program.builder("resumable")
                .problem(ProblemNode.builder("Weights", 1, weights)
                        .costFunction(b -> Cost.of(mse(b, weights.theta).add(
                                penalties.vector.theta.mul(weights.theta.square()).sum())))
                        .optUnrollSteps(3)
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
        return b.getData().head().matMul(w).sub(b.getLabels().head()).square().mean();
    }

    private static BatchSource source(ProblemContext c, int set, int rows, int batch) {
        Random r = new Random(1000 + set);
        double[] x = new double[rows * FEATURES];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double dot = 0;
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = r.nextGaussian();
                dot += x[i * FEATURES + j] * (j < 2 ? 1.0 : 0.0);
            }
            y[i] = dot + 0.5 * r.nextGaussian();
        }
        NDManager m = c.manager();
        return ArrayBatchSource.builder(m.create(x, new Shape(rows, FEATURES)), m.create(y))
                .optBatchSize(batch)
                .optSeed(c.seed())
                .build();
    }

    public static void main(String[] args) {
        List<List<String>> groups = new ArrayList<>();
        groups.add(new ArrayList<>());
        for (String a : args) {
            if (a.equals("--next")) {
                groups.add(new ArrayList<>());
            } else {
                groups.get(groups.size() - 1).add(a);
            }
        }
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        for (List<String> group : groups) {
            int code = ProgramMain.run(ResumableProgram::program, group.toArray(String[]::new), out, err);
            out.println("exit " + code + " " + Arrays.toString(group.toArray()));
            out.flush();
        }
    }
}
