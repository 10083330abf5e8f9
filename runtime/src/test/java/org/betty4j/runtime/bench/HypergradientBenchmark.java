package org.betty4j.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.hypergrad.internal.BestResponseJacobian;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.hypergrad.internal.Hypergradients;
import org.betty4j.runtime.hypergrad.internal.InnerLoop;
import org.betty4j.runtime.hypergrad.internal.JacobianContext;
import org.betty4j.runtime.hypergrad.internal.RecordedStep;
import org.betty4j.runtime.hypergrad.internal.UnrolledOptimizer;
import org.betty4j.runtime.hypergrad.internal.Vectors;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;

/**
 * Cost of one hypergradient per best-response method, as a ratio to one plain gradient step of
 * the lower problem, with the resident memory it needs. Not a test: run it with
 *
 * <pre>
 * cd runtime &amp;&amp; mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-Dai.djl.offline=true -cp %classpath org.betty4j.runtime.bench.HypergradientBenchmark"
 * </pre>
 *
 * <p>The lower problem is float32 ridge regression with a per-row weight decay:
 * {@code C_L(W, λ) = mean((XW − Y)²) + ½·1e-3·Σ_ij exp(λ_i) W_ij²}, W of {@code d×d}; the upper
 * cost is the same squared error on validation data. A plain step = lower cost, its gradient
 * and the SGD update. A hypergradient = upper cost, {@code v = ∂C_U/∂W}, and the method's
 * best-response product to λ (AID_CG and AID_NEUMANN with 3 iterations, their defaults; ITD_RMAD
 * through {@value #UNROLL} recorded updates of SGD or of Adam, recorded once before timing; the
 * record itself, {@value #UNROLL} parameter copies and for Adam two moment copies per update, is
 * held outside the timed step and printed separately).
 * Memory: the bytes of the arrays a run still holds when it ends (its results and the
 * intermediates not freed early; autograd graphs' saved tensors are not arrays and not counted),
 * and the largest resident memory (VmRSS) sampled right after a run, before its arrays are
 * freed, minus the resident memory after warm-up; the process peak (VmHWM) is printed per size.
 * Runs of all methods are interleaved and the median time is reported.
 */
public final class HypergradientBenchmark {

    private static final int BATCH = 64;
    private static final int UNROLL = 5;

    public static void main(String[] args) {
        run(32, 200);
        run(1000, 15);
    }

    private static void run(int d, int reps) {
        try (NDManager base = NDManager.newBaseManager()) {
            base.getEngine().setRandomSeed(7);
            NDArray w = base.randomNormal(0, 0.1f, new Shape(d, d), DataType.FLOAT32);
            NDArray lambda = base.zeros(new Shape(d), DataType.FLOAT32);
            w.setRequiresGradient(true);
            lambda.setRequiresGradient(true);
            float scale = (float) (1 / Math.sqrt(d));
            NDArray x = base.randomNormal(0, scale, new Shape(BATCH, d), DataType.FLOAT32);
            NDArray y = base.randomNormal(0, 1, new Shape(BATCH, d), DataType.FLOAT32);
            NDArray xVal = base.randomNormal(0, scale, new Shape(BATCH, d), DataType.FLOAT32);
            NDArray yVal = base.randomNormal(0, 1, new Shape(BATCH, d), DataType.FLOAT32);
            List<NDArray> held = List.of(w, lambda, x, y, xVal, yVal);
            long params = (long) d * d;

            HypergradMethod[] methods = {HypergradMethod.AID_FD, HypergradMethod.AID_CG, HypergradMethod.AID_NEUMANN,
                HypergradMethod.ITD_RMAD, HypergradMethod.ITD_RMAD};
            Optimizer[] unrolledWith = {null, null, null, Sgd.builder().setLearningRate(1e-3f).build(),
                Adam.builder().optLearningRate(1e-4f).build()};
            Runnable[] bodies = new Runnable[methods.length + 1];
            NDManager records = base.newSubManager();
            bodies[0] = () -> {
                NDList g = Autograd.get().grad(lowerCost(w, lambda, x, y), new NDList(w), false);
                try (GradMode off = GradMode.disabled()) {
                    w.subi(g.get(0).mul(1e-3f));
                }
            };
            HypergradConfig[] configs = new HypergradConfig[methods.length];
            for (int m = 0; m < methods.length; m++) {
                HypergradConfig config = HypergradConfig.defaults(methods[m]);
                configs[m] = config;
                BestResponseJacobian jacobian = Hypergradients.forConfig("Lower", config);
                InnerLoop loop = unrolledWith[m] == null ? null
                        : record(records, unrolledWith[m], w, lambda, x, y);
                JacobianContext ctx = new JacobianContext("Lower", "Upper", new NDList(w), new NDList(lambda),
                        () -> lowerCost(w, lambda, x, y), config, Autograd.get(), loop);
                bodies[m + 1] = () -> {
                    NDArray upper = xVal.matMul(w).sub(yVal).square().mean();
                    NDList v = Autograd.get().grad(upper, new NDList(w), false);
                    jacobian.apply(v, ctx);
                };
            }
            Timing[] timings = time(base, held, reps, bodies);
        System.out.println("| lower parameters | method | median ms per plain step | median ms per hypergradient | ratio | "
                + "arrays alive at step end (MiB) | resident memory above baseline (MiB) |");
        System.out.println("|---|---|---|---|---|---|---|");
            for (int m = 0; m < methods.length; m++) {
                Timing t = timings[m + 1];
                String method = unrolledWith[m] == null ? configs[m].toString()
                        : "ITD_RMAD(" + UNROLL + " " + unrolledWith[m].getClass().getSimpleName() + " updates)";
                System.out.printf("| %,d | %s | %.3f | %.3f | %.2f | %.1f (plain step %.1f) | %.1f |%n", params,
                        method, timings[0].msPerRep, t.msPerRep, t.msPerRep / timings[0].msPerRep,
                        t.liveBytes / 1048576.0, timings[0].liveBytes / 1048576.0, t.stepKiB / 1024.0);
            }
            long recordBytes = 0;
            for (NDArray a : records.getManagedArrays()) {
                recordBytes += a.size() * a.getDataType().getNumOfBytes();
            }
            System.out.printf("(ITD records of both optimizers, held between steps: %.1f MiB)%n",
                    recordBytes / 1048576.0);
            System.out.printf("(process peak RSS so far: %.0f MiB)%n%n", ResidentMemory.peakKiB() / 1024.0);
        }
    }

    /**
     * {@value #UNROLL} real updates of {@code optimizer} on W, recorded as the engine does (θ and
     * the optimizer state before each), then W restored: the inner loop ITD differentiates.
     */
    private static InnerLoop record(NDManager records, Optimizer optimizer, NDArray w, NDArray lambda, NDArray x,
            NDArray y) {
        UnrolledOptimizer rule = Hypergradients.unrolled("Lower", optimizer);
        NDList params = new NDList(w);
        NDList start = Vectors.copy(params, records);
        List<RecordedStep> steps = new ArrayList<>();
        try (NDManager state = records.newSubManager()) {
            for (int t = 0; t < UNROLL; t++) {
                steps.add(new RecordedStep(Vectors.copy(params, records), optimizer.learningRate(), new NDList(),
                        rule.stateBefore(params, records), optimizer.updates() + 1, () -> lowerCost(w, lambda, x, y)));
                try (NDManager step = records.newSubManager()) {
                    w.tempAttach(step);
                    lambda.tempAttach(step);
                    NDList g;
                    try (GradientCollector gc = records.getEngine().newGradientCollector()) {
                        g = Autograd.get().grad(lowerCost(w, lambda, x, y), params, false);
                    }
                    try (GradMode off = GradMode.disabled()) {
                        optimizer.step(params, g, state);
                    }
                }
            }
        }
        try (GradMode off = GradMode.disabled()) {
            w.muli(0).addi(start.get(0));
        }
        start.close();
        return new InnerLoop(rule, new NDList(), steps);
    }

    private static NDArray lowerCost(NDArray w, NDArray lambda, NDArray x, NDArray y) {
        NDArray fit = x.matMul(w).sub(y).square().mean();
        NDArray decay = lambda.exp().reshape(-1, 1).mul(w.square()).sum().mul(0.5e-3f);
        return fit.add(decay);
    }

    private record Timing(double msPerRep, long stepKiB, long liveBytes) {}

    /**
     * Warm-up, then {@code reps} rounds that time every body once, in turn, each in its own
     * sub-manager like an engine step. Interleaving and the median keep the ratios fair when
     * other processes load the machine.
     */
    private static Timing[] time(NDManager base, List<NDArray> held, int reps, Runnable[] bodies) {
        for (int i = 0; i < 3; i++) {
            for (Runnable body : bodies) {
                once(base, held, body, new long[1]);
            }
        }
        System.gc();
        long baseline = ResidentMemory.currentKiB();
        long[] worst = new long[bodies.length];
        long[][] live = new long[bodies.length][1];
        double[][] ms = new double[bodies.length][reps];
        for (int i = 0; i < reps; i++) {
            for (int b = 0; b < bodies.length; b++) {
                long start = System.nanoTime();
                worst[b] = Math.max(worst[b], once(base, held, bodies[b], live[b]) - baseline);
                ms[b][i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Timing[] out = new Timing[bodies.length];
        for (int b = 0; b < bodies.length; b++) {
            java.util.Arrays.sort(ms[b]);
            out[b] = new Timing(ms[b][reps / 2], worst[b], live[b][0]);
        }
        return out;
    }

    /**
     * One run; returns the resident memory just before its arrays are freed, and raises
     * {@code liveBytes[0]} to the bytes of the arrays the run still holds at that point.
     */
    private static long once(NDManager base, List<NDArray> held, Runnable body, long[] liveBytes) {
        try (NDManager step = ClosedArrayBuffers.retaining(base.newSubManager())) {
            held.forEach(a -> a.tempAttach(step));
            try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                body.run();
            }
            long bytes = 0;
            for (NDArray a : step.getManagedArrays()) {
                if (held.stream().noneMatch(h -> h == a)) {
                    bytes += a.size() * a.getDataType().getNumOfBytes();
                }
            }
            liveBytes[0] = Math.max(liveBytes[0], bytes);
            return ResidentMemory.currentKiB();
        }
    }
}
