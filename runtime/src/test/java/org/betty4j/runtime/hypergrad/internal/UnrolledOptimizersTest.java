package org.betty4j.runtime.hypergrad.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.ParameterLists;
import org.junit.jupiter.api.Test;

/**
 * Reverse-mode through recorded optimizer updates against central finite differences of the
 * whole unrolled procedure, float64. The procedure is the runtime's own {@link Sgd} (plain, or
 * with momentum and weight decay) or {@link Adam} run for 6 updates on a logistic loss with
 * per-feature decay {@code ½ Σ exp(λ_i) θ_i²}, each on its own batch; f(λ) = vᵀ θ_6(λ). Before the
 * recorded loop the optimizer may take warm-up updates at λ₀ on other batches, so the loop starts
 * from non-zero momentum/moments and later bias corrections; that start is a constant of the
 * procedure, as at an engine's inner-loop start.
 *
 * <p>Tolerance 1e-5 relative (the issue's): central differences with h = 1e-5 have truncation
 * error ~h²·f''' ≈ 1e-10 and rounding ~1e-16/h ≈ 1e-11. Adam from zero moments is the
 * exception: its first update is ≈ η·sign(d) (m/√s = d/|d|), strongly curved in λ, and the
 * measured error scales as h² (1.6e-4, 1.6e-6, 1.5e-8 for h = 1e-4, 1e-5, 1e-6): truncation of
 * the differences, not of ITD; at h = 1e-5 it is 1.6e-6, inside the tolerance.
 */
class UnrolledOptimizersTest {

    private static final int DIM = 4;
    private static final int STEPS = 6;
    private static final double H = 1e-5;

    /** An optimizer and its differentiable update rule. */
    private record Rule(String name, Supplier<Optimizer> optimizer, Function<Optimizer, UnrolledOptimizer> unrolled) {}

    private static NDArray cost(NDArray theta, NDArray lambda, NDArray x, NDArray y) {
        NDArray margins = x.matMul(theta).mul(y).neg();
        NDArray fit = margins.exp().add(1).log().mean();
        return fit.add(lambda.exp().mul(theta.square()).sum().mul(0.5));
    }

    /**
     * With a fresh optimizer: {@code warmUp} updates at λ₀, then {@code STEPS} updates at
     * {@code lambdaLoop}, recorded when {@code record} is given. Returns the optimizer.
     */
    private static Optimizer unroll(NDManager m, NDArray theta, NDArray lambda, double[] theta0, double[] lambda0,
            double[] lambdaLoop, NDArray[] xs, NDArray[] ys, Rule rule, int warmUp, List<RecordedStep> record) {
        set(theta, theta0);
        set(lambda, lambda0);
        Optimizer optimizer = rule.optimizer().get();
        UnrolledOptimizer unrolled = rule.unrolled().apply(optimizer);
        NDManager state = m.newSubManager();
        for (int t = 0; t < warmUp + STEPS; t++) {
            if (t == warmUp) {
                set(lambda, lambdaLoop);
            }
            NDArray x = xs[t];
            NDArray y = ys[t];
            if (record != null && t >= warmUp) {
                NDList params = new NDList(theta);
                record.add(new RecordedStep(Vectors.copy(params, m), optimizer.learningRate(), new NDList(),
                        unrolled.stateBefore(params, m), optimizer.updates() + 1, () -> cost(theta, lambda, x, y)));
            }
            NDList grad;
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                grad = Autograd.get().grad(cost(theta, lambda, x, y), new NDList(theta), false);
            }
            try (GradMode off = GradMode.disabled()) {
                optimizer.step(new NDList(theta), grad, state);
            }
        }
        return optimizer;
    }

    private static void set(NDArray live, double[] values) {
        try (GradMode off = GradMode.disabled(); NDArray value = live.getManager().create(values)) {
            live.muli(0).addi(value);
        }
    }

    private static void check(Rule rule, int warmUp) {
        Random r = new Random(41);
        double[] theta0 = LinearAlgebra.randomVector(r, DIM);
        double[] lambda0 = LinearAlgebra.scaled(LinearAlgebra.randomVector(r, DIM), 0.5);
        double[] v = LinearAlgebra.randomVector(r, DIM);
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray[] xs = new NDArray[warmUp + STEPS];
            NDArray[] ys = new NDArray[warmUp + STEPS];
            for (int t = 0; t < xs.length; t++) {
                xs[t] = m.create(LinearAlgebra.randomMatrix(r, 8, DIM));
                double[] labels = new double[8];
                for (int i = 0; i < 8; i++) {
                    labels[i] = r.nextBoolean() ? 1 : -1;
                }
                ys[t] = m.create(labels);
            }
            NDArray theta = m.create(theta0);
            NDArray lambda = m.create(lambda0);
            ParameterLists.of("theta", theta, "lambda", lambda);
            List<RecordedStep> steps = new ArrayList<>();
            Optimizer optimizer = unroll(m, theta, lambda, theta0, lambda0, lambda0, xs, ys, rule, warmUp, steps);
            double[] thetaT = theta.toDoubleArray();
            double[] itd;
            try (NDManager step = ClosedArrayBuffers.retaining(m.newSubManager()); GradientCollector gc = m.getEngine().newGradientCollector()) {
                itd = rule.unrolled().apply(optimizer)
                        .vjp(new NDList(theta), new NDList(lambda), new NDList(), steps, new NDList(step.create(v)),
                                Autograd.get())
                        .get(0).toDoubleArray();
            }
            assertArrayEquals(thetaT, theta.toDoubleArray(), 0.0, "the live parameters are restored exactly");

            double[] fd = new double[DIM];
            for (int i = 0; i < DIM; i++) {
                double[] f = new double[2];
                for (int s = 0; s < 2; s++) {
                    double[] shifted = lambda0.clone();
                    shifted[i] += s == 0 ? H : -H;
                    unroll(m, theta, lambda, theta0, lambda0, shifted, xs, ys, rule, warmUp, null);
                    double[] th = theta.toDoubleArray();
                    for (int j = 0; j < DIM; j++) {
                        f[s] += v[j] * th[j];
                    }
                }
                fd[i] = (f[0] - f[1]) / (2 * H);
            }
            double error = LinearAlgebra.relativeError(itd, fd);
            System.out.printf("ITD through %d %s updates after %d warm-up updates vs central differences of the unroll: "
                    + "relative error %.3e%n", STEPS, rule.name(), warmUp, error);
            assertTrue(error < 1e-5, "relative error " + error);
            assertTrue(LinearAlgebra.norm(fd) > 1e-3, "the unroll must depend on λ for the check to mean something");
        }
    }

    private static Rule sgd(double momentum, double weightDecay) {
        return new Rule(String.format("SGD (lr 0.25, momentum %.3f, weight decay %.4f)", momentum, weightDecay),
                () -> Sgd.builder().setLearningRate(0.25f).optMomentum((float) momentum)
                        .optWeightDecay((float) weightDecay).build(),
                o -> Hypergradients.unrolled("test", o));
    }

    private static Rule adam(double weightDecay) {
        return new Rule(String.format("Adam (lr 0.0625, betas 0.75/0.9375, weight decay %.4f)", weightDecay),
                () -> Adam.builder().optLearningRate(0.0625f).optBetas(0.75f, 0.9375f)
                        .optWeightDecay((float) weightDecay).build(),
                o -> Hypergradients.unrolled("test", o));
    }

    @Test
    void plainSgdMatchesFiniteDifferencesOfTheUnroll() {
        check(sgd(0, 0), 0);
    }

    @Test
    void sgdWithMomentumAndWeightDecayAfterWarmUpMatchesFiniteDifferencesOfTheUnroll() {
        check(sgd(0.875, 0.0625), 3);
    }

    @Test
    void adamFromZeroMomentsMatchesFiniteDifferencesOfTheUnroll() {
        check(adam(0), 0);
    }

    /** Non-zero moments at the loop start and the bias corrections of updates 4…9 must come from the record. */
    @Test
    void adamWithWeightDecayAfterWarmUpMatchesFiniteDifferencesOfTheUnroll() {
        check(adam(0.0625), 3);
    }

    /**
     * A coordinate the cost never reads has gradient 0, so Adam's second moment stays 0 there
     * ({@code √s'} is not differentiable at 0): the product must stay finite, and that
     * coordinate's θ does not depend on λ.
     */
    @Test
    void adamThroughACoordinateWithZeroGradientStaysFinite() {
        try (NDManager m = ClosedArrayBuffers.retaining(NDManager.newBaseManager())) {
            NDArray theta = m.create(new double[] {0.5, -0.25});
            NDArray lambda = m.create(new double[] {0.3});
            ParameterLists.of("theta", theta, "lambda", lambda);
            NDArray mask = m.create(new double[] {1, 0});
            Supplier<NDArray> cost = () -> theta.mul(mask).sub(lambda).square().sum();
            Optimizer adam = Adam.builder().optLearningRate(0.1f).build();
            UnrolledOptimizer rule = Hypergradients.unrolled("test", adam);
            List<RecordedStep> steps = new ArrayList<>();
            NDManager state = m.newSubManager();
            for (int t = 0; t < 3; t++) {
                NDList params = new NDList(theta);
                steps.add(new RecordedStep(Vectors.copy(params, m), adam.learningRate(), new NDList(),
                        rule.stateBefore(params, m), adam.updates() + 1, cost));
                NDList grad;
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    grad = Autograd.get().grad(cost.get(), params, false);
                }
                try (GradMode off = GradMode.disabled()) {
                    adam.step(params, grad, state);
                }
            }
            double[] product;
            try (NDManager step = ClosedArrayBuffers.retaining(m.newSubManager());
                    GradientCollector gc = m.getEngine().newGradientCollector()) {
                product = rule.vjp(new NDList(theta), new NDList(lambda), new NDList(), steps,
                        new NDList(step.create(new double[] {1, 1})), Autograd.get()).get(0).toDoubleArray();
            }
            assertTrue(Double.isFinite(product[0]) && product[0] != 0, "product " + product[0]);
        }
    }
}
