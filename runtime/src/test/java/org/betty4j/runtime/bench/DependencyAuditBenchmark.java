package org.betty4j.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import java.util.Locale;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ParameterLists;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * What the engine's dependency audit costs (not a test): a 3-level chain of float32 problems,
 * each a 256×784 weight matrix (200,704 parameters) with a cost over a fixed 64×784 batch:
 * W reads T's parameters, M reads W's optimum, T reads M's optimum (AID_FD). Each problem's cost
 * has one problem its annotations do not connect it to, so each first step audits one. Runs the
 * same program with and without the audit, interleaved, and prints the audit time against the
 * time of a global step.
 *
 * <pre>
 * cd runtime &amp;&amp; OMP_NUM_THREADS=1 mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-Dai.djl.offline=true -cp %classpath org.betty4j.runtime.bench.DependencyAuditBenchmark"
 * </pre>
 */
public final class DependencyAuditBenchmark {

    private static final int STEPS = 30;
    private static final int ROUNDS = 5;

    private DependencyAuditBenchmark() {}

    /** One weight matrix, plain SGD, a fixed batch of random inputs. */
    private static final class MatrixProblem implements Trainable {
        NDArray weight;
        NDArray inputs;
        private Optimizer optimizer;

        @Override
        public void setUp(ProblemContext context) {
            NDManager m = context.manager();
            weight = m.randomNormal(0, 0.01f, new Shape(256, 784), context.dataType());
            weight.setRequiresGradient(true);
            inputs = m.randomNormal(new Shape(64, 784));
            optimizer = Sgd.builder().setLearningRate(0.01f).build();
        }

        @Override
        public ParameterList parameters() {
            return ParameterLists.of("weight", weight);
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public BatchSource data() {
            return new BatchSource() {
                private int served;

                @Override
                public Batch next(NDManager parent) {
                    NDManager m = parent.newSubManager();
                    served++;
                    return new Batch(m, new NDList(m.zeros(new Shape(1))), new NDList(m.zeros(new Shape(1))), 1,
                            null, null, served, 0);
                }

                @Override
                public int epoch() {
                    return 0;
                }
            };
        }

        /** ½·mean((x aᵀ − x bᵀ)²). */
        NDArray distance(NDArray a, NDArray b) {
            return inputs.matMul(a.transpose()).sub(inputs.matMul(b.transpose())).square().mean().mul(0.5);
        }
    }

    private static Program program() {
        MatrixProblem w = new MatrixProblem();
        MatrixProblem m = new MatrixProblem();
        MatrixProblem t = new MatrixProblem();
        return Program.builder("audit-chain")
                .problem(ProblemNode.builder("W", 1, w).costFunction(b -> Cost.of(w.distance(w.weight, t.weight)))
                        .build())
                .problem(ProblemNode.builder("M", 2, m).costFunction(b -> Cost.of(m.distance(m.weight, w.weight)))
                        .build())
                .problem(ProblemNode.builder("T", 3, t)
                        .costFunction(b -> Cost.of(t.distance(m.weight, t.weight.mul(0.5)))).build())
                .upperToLower("T", "W")
                .lowerToUpper("W", "M")
                .lowerToUpper("M", "T")
                .build();
    }

    /** Seconds per global step and seconds in audits of one run. */
    private static double[] run(boolean audit) {
        try (Engine engine = new Engine(program(), EngineConfig.builder().optIterations(STEPS)
                .optAuditDependencies(audit).build())) {
            long start = System.nanoTime();
            engine.run();
            double total = (System.nanoTime() - start) / 1e9;
            return new double[] {total / STEPS, engine.dependencyAuditTime().toNanos() / 1e9};
        }
    }

    public static void main(String[] args) {
        run(true); // warm-up
        double[] withAudit = new double[ROUNDS];
        double[] without = new double[ROUNDS];
        double[] audits = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            double[] a = run(true);
            double[] b = run(false);
            withAudit[r] = a[0];
            audits[r] = a[1];
            without[r] = b[0];
        }
        java.util.Arrays.sort(withAudit);
        java.util.Arrays.sort(without);
        java.util.Arrays.sort(audits);
        double step = without[ROUNDS / 2];
        System.out.printf(Locale.ROOT, "3-level chain, 3 x 200,704 float32 parameters, %d global steps, %d rounds "
                + "(medians): global step %.2f ms without the audit, %.2f ms with it; the 3 audits together %.2f ms "
                + "= %.2f global steps, once per run%n", STEPS, ROUNDS, 1e3 * step, 1e3 * withAudit[ROUNDS / 2],
                1e3 * audits[ROUNDS / 2], audits[ROUNDS / 2] / step);
    }
}
