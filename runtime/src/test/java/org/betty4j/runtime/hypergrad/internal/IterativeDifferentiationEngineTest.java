package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import ai.djl.training.dataset.Batch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
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
import org.junit.jupiter.api.Test;

/**
 * ITD_RMAD through the engine against central finite differences of the whole unrolled
 * procedure, float64. The upper problem's update is plain SGD, so its gradient is read back as
 * {@code (λ_before − λ_after)/η}; the expectation re-runs the inner loop outside the engine
 * (same optimizer, same batches) at {@code λ ± h·e_i}.
 *
 * <p>Tolerance 1e-5 relative (the issue's): central differences with h = 1e-5 have truncation
 * error ~h²·f''' ≈ 1e-10 and rounding ~1e-16/h ≈ 1e-11; the learning rates, momenta and decays
 * are exact binary fractions, so the engine's float optimizer settings equal the replica's.
 */
class IterativeDifferentiationEngineTest {

    private static final int DIM = 4;
    private static final int UNROLL = 5;
    private static final int ROWS = 8;
    private static final float LOWER_RATE = 0.25f;
    private static final float LOWER_MOMENTUM = 0.5f;
    private static final float LOWER_DECAY = 0.0625f;
    private static final float UPPER_RATE = 0.5f;
    private static final double RHO = 0.125;
    private static final double H = 1e-5;

    /** Logistic loss on the batch plus a per-feature decay {@code ½ Σ exp(λ_i) θ_i²}. */
    static NDArray lowerCost(NDArray theta, NDArray lambda, NDArray x, NDArray y) {
        NDArray fit = x.matMul(theta).mul(y).neg().exp().add(1).log().mean();
        return fit.add(lambda.exp().mul(theta.square()).sum().mul(0.5));
    }

    /** The top cost {@code ½‖x − t‖² + ½ρ‖λ‖²} of arrays (constants in x's manager, a step's). */
    static Cost targetCost(NDArray x, double[] target, NDArray lambda) {
        NDArray t = x.getManager().create(target);
        return Cost.of(x.sub(t).square().sum().mul(0.5).add(lambda.square().sum().mul(RHO / 2)));
    }

    /** {@code ½‖θ − t‖² + ½ρ‖λ‖²}, in plain Java. */
    static double upperCost(double[] theta, double[] target, double[] lambda) {
        double s = 0;
        for (int i = 0; i < theta.length; i++) {
            s += 0.5 * (theta[i] - target[i]) * (theta[i] - target[i]);
        }
        for (double l : lambda) {
            s += 0.5 * RHO * l * l;
        }
        return s;
    }

    static Sgd lowerSgd() {
        return Sgd.builder().setLearningRate(LOWER_RATE).optMomentum(LOWER_MOMENTUM).optWeightDecay(LOWER_DECAY)
                .build();
    }

    /** Adam with exact binary-fraction settings (ε the default 1e-8). */
    static Adam lowerAdam() {
        return Adam.builder().optLearningRate(0.125f).optBetas(0.75f, 0.9375f).optWeightDecay(LOWER_DECAY).build();
    }

    /** A float64 vector problem trained with a fresh lower optimizer on a fixed cycle of batches. */
    static final class BatchedLower implements Trainable {
        final double[] initial;
        final double[][][] xs;
        final double[][] ys;
        final boolean reset;
        final Optimizer optimizer;
        NDArray theta;

        BatchedLower(double[] initial, double[][][] xs, double[][] ys, boolean reset, Optimizer optimizer) {
            this.initial = initial;
            this.xs = xs;
            this.ys = ys;
            this.reset = reset;
            this.optimizer = optimizer;
        }

        @Override
        public void setUp(ProblemContext context) {
            theta = context.manager().create(initial);
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
            return new BatchSource() {
                private int served;

                @Override
                public Batch next(NDManager parent) {
                    NDManager m = parent.newSubManager();
                    int k = served++ % xs.length;
                    return new Batch(m, new NDList(m.create(xs[k])), new NDList(m.create(ys[k])), ROWS, null, null,
                            k, 0);
                }

                @Override
                public int epoch() {
                    return 0;
                }
            };
        }

        @Override
        public void onInnerLoopStart() {
            if (reset) {
                try (GradMode off = GradMode.disabled(); NDArray start = theta.getManager().create(initial)) {
                    theta.muli(0).addi(start);
                }
            }
        }
    }

    /** Data, starting points and target of the 2-level problem, from one seed. */
    private static final class Setup {
        final double[] theta0;
        final double[] lambda0;
        final double[] target;
        final double[][][] xs = new double[2 * UNROLL][][];
        final double[][] ys = new double[2 * UNROLL][ROWS];
        final Supplier<Optimizer> lowerOptimizer;

        Setup(long seed, Supplier<Optimizer> lowerOptimizer) {
            this.lowerOptimizer = lowerOptimizer;
            Random r = new Random(seed);
            theta0 = LinearAlgebra.randomVector(r, DIM);
            lambda0 = LinearAlgebra.scaled(LinearAlgebra.randomVector(r, DIM), 0.5);
            target = LinearAlgebra.randomVector(r, DIM);
            for (int k = 0; k < xs.length; k++) {
                xs[k] = LinearAlgebra.randomMatrix(r, ROWS, DIM);
                for (int i = 0; i < ROWS; i++) {
                    ys[k][i] = r.nextBoolean() ? 1 : -1;
                }
            }
        }

        /**
         * The upper cost after running {@code UNROLL} lower updates from {@code thetaStart} (the
         * optimizer restored from {@code optimizerState} when given) on batches {@code first…} at λ.
         */
        double unrolledUpperCost(double[] lambdaValues, double[] thetaStart, byte[] optimizerState, int first) {
            try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
                NDArray theta = m.create(thetaStart);
                NDArray lambda = m.create(lambdaValues);
                ParameterLists.of("theta", theta);
                Optimizer optimizer = lowerOptimizer.get();
                if (optimizerState != null) {
                    optimizer.loadState(new DataInputStream(new ByteArrayInputStream(optimizerState)), m);
                }
                for (int t = 0; t < UNROLL; t++) {
                    NDList grad;
                    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                        grad = Autograd.get().grad(lowerCost(theta, lambda, m.create(xs[first + t]),
                                m.create(ys[first + t])), new NDList(theta), false);
                    }
                    try (GradMode off = GradMode.disabled()) {
                        optimizer.step(new NDList(theta), grad, m);
                    }
                }
                return upperCost(theta.toDoubleArray(), target, lambdaValues);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Central differences of {@link #unrolledUpperCost} in λ. */
        double[] finiteDifferenceGradient(double[] lambda, double[] thetaStart, byte[] optimizerState, int first) {
            double[] g = new double[DIM];
            for (int i = 0; i < DIM; i++) {
                double[] plus = lambda.clone();
                double[] minus = lambda.clone();
                plus[i] += H;
                minus[i] -= H;
                g[i] = (unrolledUpperCost(plus, thetaStart, optimizerState, first)
                        - unrolledUpperCost(minus, thetaStart, optimizerState, first)) / (2 * H);
            }
            return g;
        }

        Program program(BatchedLower lower, VectorProblem upper) {
            return Program.builder("itd-two-level")
                    .problem(ProblemNode.builder("L", 1, lower)
                            .costFunction(batch -> Cost.of(lowerCost(lower.theta, upper.theta,
                                    batch.getData().head(), batch.getLabels().head())))
                            .optUnrollSteps(UNROLL)
                            .optHypergrad(HypergradConfig.defaults(HypergradMethod.ITD_RMAD))
                            .build())
                    .problem(ProblemNode.builder("U", 2, upper)
                            .costFunction(batch -> targetCost(lower.theta, target, upper.theta))
                            .build())
                    .upperToLower("U", "L")
                    .lowerToUpper("L", "U")
                    .path("U", "L", "U")
                    .build();
        }
    }

    private static double[] observedGradient(double[] before, double[] after) {
        return LinearAlgebra.scaled(LinearAlgebra.minus(before, after), 1 / UPPER_RATE);
    }

    private static void assertMatches(String what, double[] observed, double[] expected) {
        double error = LinearAlgebra.relativeError(observed, expected);
        System.out.printf("ITD_RMAD through the engine, %s: relative error vs central differences %.3e%n", what,
                error);
        assertTrue(error < 1e-5, what + ": relative error " + error);
        assertTrue(LinearAlgebra.norm(expected) > 1e-3, what + ": the gradient must not vanish for the check to mean "
                + "something");
    }

    /**
     * Inner weights reset at each inner-loop start: the first upper update carries exactly the
     * gradient of the whole unrolled procedure (momentum and weight decay included).
     */
    @Test
    void resetInnerLoopMatchesFiniteDifferencesOfTheWholeProcedure() {
        resetInnerLoop(new Setup(51, IterativeDifferentiationEngineTest::lowerSgd),
                "inner weights reset, SGD momentum 0.5, weight decay 0.0625");
    }

    /** The same with Adam (β 0.75/0.9375, weight decay 0.0625), moments zero at the first loop. */
    @Test
    void resetInnerLoopWithAdamMatchesFiniteDifferencesOfTheWholeProcedure() {
        resetInnerLoop(new Setup(53, IterativeDifferentiationEngineTest::lowerAdam),
                "inner weights reset, Adam, weight decay 0.0625");
    }

    private static void resetInnerLoop(Setup s, String what) {
        BatchedLower lower = new BatchedLower(s.theta0, s.xs, s.ys, true, s.lowerOptimizer.get());
        VectorProblem upper = new VectorProblem(s.lambda0, UPPER_RATE);
        try (Engine engine = new Engine(s.program(lower, upper), EngineConfig.builder().optIterations(UNROLL).build())) {
            engine.run();
            assertEquals(1, engine.localSteps("U"));
            assertEquals((double) UNROLL, engine.methodDiagnostics("L").get("itd_updates"));
            double[] observed = observedGradient(s.lambda0, engine.parameters("U").get(0).toDoubleArray());
            double[] expected = s.finiteDifferenceGradient(s.lambda0, s.theta0, null, 0);
            assertMatches(what, observed, expected);
        }
    }

    /**
     * Without a reset, the second upper update differentiates the second inner loop only
     * (truncated backpropagation): it equals central differences of that loop run from the
     * parameters and momentum buffer it started with (both treated as constants).
     */
    @Test
    void withoutResetTheLastInnerLoopIsDifferentiated() {
        secondInnerLoop(new Setup(52, IterativeDifferentiationEngineTest::lowerSgd), "no reset, SGD, second inner loop "
                + "(truncated)");
    }

    /**
     * The same with Adam: the second loop starts from non-zero moments and bias corrections of
     * updates 6…10, which the recorded state must carry.
     */
    @Test
    void withoutResetTheLastInnerLoopIsDifferentiatedWithAdam() {
        secondInnerLoop(new Setup(54, IterativeDifferentiationEngineTest::lowerAdam), "no reset, Adam, second inner "
                + "loop (truncated; non-zero moments at its start)");
    }

    private static void secondInnerLoop(Setup s, String what) {
        BatchedLower lower = new BatchedLower(s.theta0, s.xs, s.ys, false, s.lowerOptimizer.get());
        VectorProblem upper = new VectorProblem(s.lambda0, UPPER_RATE);
        double[][] lambda1 = new double[1][];
        double[][] secondLoopStart = new double[1][];
        byte[][] secondLoopOptimizer = new byte[1][];
        try (Engine engine = new Engine(s.program(lower, upper),
                EngineConfig.builder().optIterations(2 * UNROLL).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep == UNROLL) {
                        lambda1[0] = e.parameters("U").get(0).toDoubleArray();
                        secondLoopStart[0] = e.parameters("L").get(0).toDoubleArray();
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        try (DataOutputStream out = new DataOutputStream(bytes)) {
                            lower.optimizer.saveState(out);
                        } catch (IOException ex) {
                            throw new IllegalStateException(ex);
                        }
                        secondLoopOptimizer[0] = bytes.toByteArray();
                    }
                }
            });
            engine.run();
            assertEquals(2, engine.localSteps("U"));
            double[] observed = observedGradient(lambda1[0], engine.parameters("U").get(0).toDoubleArray());
            double[] expected = s.finiteDifferenceGradient(lambda1[0], secondLoopStart[0], secondLoopOptimizer[0],
                    UNROLL);
            assertMatches(what, observed, expected);
        }
    }

    // ---- three levels, ITD on the middle problem whose cost reads a moving lower problem ----

    private static final int MIDDLE_UNROLL = 4;
    private static final float MIDDLE_RATE = 0.25f;
    private static final float MIDDLE_MOMENTUM = 0.5f;

    /**
     * Three levels {@code [T, M, W, T]}: W's cost ½wᵀA_Ww − wᵀB_Wλ (AID_CG with k = dim, exact
     * for it), M's cost ½μᵀA_Mμ − μᵀB_M·tanh(w) (ITD_RMAD, SGD with momentum, 4 updates per
     * loop), T's cost ½‖μ − t‖² + ½ρ‖λ‖². W steps before each M step and starts off its optimum,
     * so w moves during M's loop: M's product must evaluate each recorded step at the w it saw.
     * Expected: ρλ + B_Wᵀ A_W⁻¹ J, J = central differences of vᵀμ_4 in a common shift of the
     * recorded w_t, v = μ_4 − t.
     */
    @Test
    void threeLevelsItdOnAProblemWhoseLowerMoves() {
        Random r = new Random(63);
        CoupledQuadratic costW = new CoupledQuadratic(r, 2, 1, 1.5, 2);
        double[][] aM = LinearAlgebra.symmetricWithEigenvalues(r, 1, 2);
        double[][] bM = LinearAlgebra.randomMatrix(r, 2, 3);
        double[] lambda0 = LinearAlgebra.randomVector(r, 2);
        double[] w0 = LinearAlgebra.randomVector(r, 3);
        double[] mu0 = LinearAlgebra.randomVector(r, 2);
        double[] target = LinearAlgebra.randomVector(r, 2);
        VectorProblem w = new VectorProblem(w0, 0.125f);
        VectorProblem mu = new VectorProblem(mu0, MIDDLE_RATE, MIDDLE_MOMENTUM);
        VectorProblem lambda = new VectorProblem(lambda0, UPPER_RATE);
        Program program = Program.builder("itd-three-level")
                .problem(ProblemNode.builder("W", 1, w)
                        .costFunction(batch -> Cost.of(costW.cost(w.theta, lambda.theta)))
                        .optHypergrad(new HypergradConfig(HypergradMethod.AID_CG, 1.0, 3, false))
                        .build())
                .problem(ProblemNode.builder("M", 2, mu)
                        .costFunction(batch -> {
                            NDManager m = mu.theta.getManager();
                            NDArray quad = mu.theta.mul(m.create(aM).matMul(mu.theta)).sum().mul(0.5);
                            return Cost.of(quad.sub(mu.theta.mul(m.create(bM).matMul(w.theta.tanh())).sum()));
                        })
                        .optUnrollSteps(MIDDLE_UNROLL)
                        .optHypergrad(HypergradConfig.defaults(HypergradMethod.ITD_RMAD))
                        .build())
                .problem(ProblemNode.builder("T", 3, lambda)
                        .costFunction(batch -> targetCost(mu.theta, target, lambda.theta))
                        .build())
                .upperToLower("T", "W")
                .lowerToUpper("W", "M")
                .lowerToUpper("M", "T")
                .path("T", "M", "W", "T")
                .build();
        List<double[]> wSeenByM = new ArrayList<>();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(MIDDLE_UNROLL).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {
                    if (problem.name().equals("M")) {
                        wSeenByM.add(w.theta.toDoubleArray());
                    }
                }
            });
            engine.run();
            assertEquals(1, engine.localSteps("T"));
            double[] muT = engine.parameters("M").get(0).toDoubleArray();
            double[] v = LinearAlgebra.minus(muT, target);
            double[] replayed = middleLoop(aM, bM, mu0, wSeenByM, new double[3]);
            assertTrue(LinearAlgebra.relativeError(replayed, muT) < 1e-12, "the replica must reproduce M's loop");

            double[] jacobianT = middleLoopVjp(aM, bM, mu0, wSeenByM, v);
            double[] expected = LinearAlgebra.plus(LinearAlgebra.scaled(lambda0, RHO),
                    costW.product(HypergradMethod.AID_CG, jacobianT));
            double[] observed = observedGradient(lambda0, engine.parameters("T").get(0).toDoubleArray());
            assertMatches("3 levels, ITD on the middle problem (its lower moves during the loop)", observed, expected);

            // evaluating every recorded step at the final w instead would be measurably different
            List<double[]> finalW = new ArrayList<>();
            wSeenByM.forEach(x -> finalW.add(wSeenByM.get(wSeenByM.size() - 1)));
            double[] frozen = middleLoopVjp(aM, bM, mu0, finalW, v);
            assertTrue(LinearAlgebra.relativeError(frozen, jacobianT) > 1e-2,
                    "the lower must move enough during the loop for the check to tell the variants apart");
        }
    }

    /** Central differences of {@code vᵀμ_T} in a common shift of every {@code w_t}. */
    private static double[] middleLoopVjp(double[][] a, double[][] b, double[] mu0, List<double[]> ws, double[] v) {
        int n = ws.get(0).length;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double[] plus = new double[n];
            double[] minus = new double[n];
            plus[i] = H;
            minus[i] = -H;
            out[i] = (dot(v, middleLoop(a, b, mu0, ws, plus)) - dot(v, middleLoop(a, b, mu0, ws, minus))) / (2 * H);
        }
        return out;
    }

    /** M's loop in plain Java: Sgd with momentum on ½μᵀAμ − μᵀB·tanh(w_t + shift). */
    private static double[] middleLoop(double[][] a, double[][] b, double[] mu0, List<double[]> ws, double[] shift) {
        double[] mu = mu0.clone();
        double[] buffer = new double[mu.length];
        for (double[] wt : ws) {
            double[] squashed = new double[wt.length];
            for (int j = 0; j < wt.length; j++) {
                squashed[j] = Math.tanh(wt[j] + shift[j]);
            }
            double[] grad = LinearAlgebra.minus(LinearAlgebra.times(a, mu), LinearAlgebra.times(b, squashed));
            for (int i = 0; i < mu.length; i++) {
                buffer[i] = MIDDLE_MOMENTUM * buffer[i] + grad[i];
                mu[i] -= MIDDLE_RATE * buffer[i];
            }
        }
        return mu;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
