package org.betty4j.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.autograd.GradientPaths;

/**
 * Per-call cost of single operations the engine issues every step, in microseconds (median of
 * interleaved rounds, warm-up excluded, one thread; wall time and the calling thread's CPU time,
 * which other load on the machine disturbs less): a first-order gradient of three costs (a tiny
 * {@code (p·p).sum()}, p ∈ R^20; the logistic-regression HPO inner cost, 500×20, whose graph also
 * reaches a second problem's λ; an MLP 784-256-10 cross-entropy, batch 100), each as the forward
 * alone and the forward plus the gradient through DJL's backward (result copied out of
 * {@code .grad}, then {@code .grad} zeroed), through the named-list call of the same operation
 * ({@code IValueUtils.forward}), through {@link Autograd#grad} as the engine calls it (backward
 * for leaves), through the TorchScript facade's {@code grad_of_scalars}, through
 * {@link Autograd#vjp} with an explicit seed, and with TorchScript's graph executor optimization
 * off; and the non-finite check of the MLP's gradients, element-wise (isInfinite, isNaN,
 * logicalOr, any per array) against the fused form (one sum per array, stacked, read once).
 * Arguments: rounds (default 30), then optionally a text the operations' names must contain.
 * Not a test: run it with
 *
 * <pre>
 * mvn -B -q -o -pl runtime -am test-compile &amp;&amp; cd runtime &amp;&amp; mvn -B -q -o exec:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test -Dexec.args="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
 *   -Dai.djl.pytorch.num_interop_threads=1 -cp %classpath org.betty4j.runtime.bench.OpBenchmark 100"
 * </pre>
 */
public final class OpBenchmark {

    private OpBenchmark() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        try (NDManager base = NDManager.newBaseManager()) {
            base.getEngine().setRandomSeed(1);
            NDArray p = base.randomNormal(new Shape(20));
            p.setRequiresGradient(true);
            NDArray w1 = base.randomNormal(0, 0.05f, new Shape(784, 256), DataType.FLOAT32);
            NDArray b1 = base.zeros(new Shape(256));
            NDArray w2 = base.randomNormal(0, 0.05f, new Shape(256, 10), DataType.FLOAT32);
            NDArray b2 = base.zeros(new Shape(10));
            NDList mlp = new NDList(w1, b1, w2, b2);
            mlp.forEach(a -> a.setRequiresGradient(true));
            NDArray x = base.randomUniform(0, 1, new Shape(100, 784));
            NDArray labels = base.randomInteger(0, 10, new Shape(100), DataType.INT64);
            NDList grads = new NDList();
            try (NDManager m = base.newSubManager(); GradientCollector gc = base.getEngine().newGradientCollector()) {
                for (NDArray g : Autograd.get().grad(mlpLoss(mlp, x, labels), mlp, false)) {
                    NDArray copy = g.duplicate();
                    copy.attach(base);
                    grads.add(copy);
                }
            }

            NDArray hx = base.randomNormal(new Shape(500, 20));
            NDArray hy = base.randomInteger(0, 2, new Shape(500), DataType.INT32).toType(DataType.FLOAT32, false);
            NDArray hw = base.randomNormal(0, 0.1f, new Shape(20), DataType.FLOAT32);
            NDArray lambda = base.randomUniform(0, 1, new Shape(20));
            hw.setRequiresGradient(true);
            lambda.setRequiresGradient(true);

            Map<String, Runnable> ops = new LinkedHashMap<>();
            Map<String, Supplier<NDArray>> problems = new LinkedHashMap<>();
            Map<String, NDList> inputs = new LinkedHashMap<>();
            Map<String, NDList> leaves = new LinkedHashMap<>();
            problems.put("tiny (p·p).sum(), p in R^20", () -> p.mul(p).sum());
            inputs.put("tiny (p·p).sum(), p in R^20", new NDList(p));
            leaves.put("tiny (p·p).sum(), p in R^20", new NDList(p));
            problems.put("HPO inner cost (BCE 500x20 + λ-weighted decay), d/dw", () -> hpoInnerCost(hx, hy, hw, lambda));
            inputs.put("HPO inner cost (BCE 500x20 + λ-weighted decay), d/dw", new NDList(hw));
            leaves.put("HPO inner cost (BCE 500x20 + λ-weighted decay), d/dw", new NDList(hw, lambda));
            problems.put("MLP 784-256-10 cross-entropy, batch 100", () -> mlpLoss(mlp, x, labels));
            inputs.put("MLP 784-256-10 cross-entropy, batch 100", mlp);
            leaves.put("MLP 784-256-10 cross-entropy, batch 100", mlp);
            for (String problem : problems.keySet()) {
                Supplier<NDArray> cost = problems.get(problem);
                NDList in = inputs.get(problem);
                NDList all = leaves.get(problem);
                ops.put(problem + ": forward only", cost::get);
                ops.put(problem + ": forward + DJL backward (.grad copied out, then zeroed)",
                        () -> GradientPaths.djlBackward(cost.get(), in, all, true));
                ops.put(problem + ": forward + facade, names and tensors for lists, flag and seed (IValueUtils.forward)",
                        () -> GradientPaths.namedFacade(cost.get(), in));
                ops.put(problem + ": forward + Autograd.grad() as the engine calls it (backward into zeroed .grad, copied out)",
                        () -> Autograd.get().grad(cost.get(), in, false));
                ops.put(problem + ": forward + facade grad() (direct method call, cached flags, seed by libtorch)",
                        () -> GradientPaths.scriptGrad(cost.get(), in));
                ops.put(problem + ": forward + facade vjp() with a seed of ones (direct method call)", () -> {
                    NDArray loss = cost.get();
                    Autograd.get().vjp(new NDList(loss), in, new NDList(loss.onesLike()), false);
                });
                ops.put(problem + ": forward + facade grad(), TorchScript graph executor optimization off", () -> {
                    JniUtils.setGraphExecutorOptimize(false);
                    try {
                        GradientPaths.scriptGrad(cost.get(), in);
                    } finally {
                        JniUtils.setGraphExecutorOptimize(true);
                    }
                });
            }
            ops.put("finite check of the MLP's 4 gradients: isInfinite+isNaN+logicalOr+any per array", () -> {
                for (NDArray g : grads) {
                    try (NDArray bad = g.isInfinite().logicalOr(g.isNaN()).any()) {
                        if (bad.getBoolean()) {
                            throw new IllegalStateException();
                        }
                    }
                }
            });
            ops.put("finite check of the MLP's 4 gradients: fused (sum per array, stack, one read)", () -> {
                NDList sums = new NDList();
                for (NDArray g : grads) {
                    sums.add(g.sum());
                }
                try (NDArray stacked = NDArrays.stack(sums)) {
                    for (float f : stacked.toFloatArray()) {
                        if (!Float.isFinite(f)) {
                            throw new IllegalStateException();
                        }
                    }
                }
            });
            if (args.length > 1) {
                // only the operations whose name contains the given text
                ops.keySet().removeIf(name -> !name.contains(args[1]));
            }
            String[] names = ops.keySet().toArray(new String[0]);
            double[][] us = new double[names.length][rounds];
            double[][] cpuUs = new double[names.length][rounds];
            int perRound = 20;
            for (int r = -3; r < rounds; r++) {
                for (int i = 0; i < names.length; i++) {
                    Runnable op = ops.get(names[i]);
                    long start = System.nanoTime();
                    long cpuStart = threadCpuNanos();
                    for (int k = 0; k < perRound; k++) {
                        try (NDManager step = ClosedArrayBuffers.retaining(base.newSubManager())) {
                            step.tempAttachAll(base.getManagedArrays().toArray(new NDArray[0]));
                            try (GradMode on = GradMode.enabled()) {
                                op.run();
                            }
                        }
                    }
                    if (r >= 0) {
                        us[i][r] = (System.nanoTime() - start) / 1e3 / perRound;
                        cpuUs[i][r] = (threadCpuNanos() - cpuStart) / 1e3 / perRound;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "| operation (%d rounds of %d calls, each call in its own sub-manager) | median µs "
                    + "per call | median thread CPU µs per call |%n|---|---|---|%n", rounds, perRound);
            for (int i = 0; i < names.length; i++) {
                Arrays.sort(us[i]);
                Arrays.sort(cpuUs[i]);
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f |%n", names[i], us[i][rounds / 2], cpuUs[i][rounds / 2]);
            }
        }
    }

    private static final Object THREADS;
    private static final java.lang.reflect.Method CPU_TIME;

    static {
        // java.management by reflection: the tests compile into the runtime module, which does not read it
        Object threads = null;
        java.lang.reflect.Method cpuTime = null;
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            threads = factory.getMethod("getThreadMXBean").invoke(null);
            cpuTime = Class.forName("java.lang.management.ThreadMXBean").getMethod("getCurrentThreadCpuTime");
        } catch (ReflectiveOperationException | RuntimeException e) {
            // wall time only
        }
        THREADS = threads;
        CPU_TIME = cpuTime;
    }

    /**
     * CPU time of the calling thread (libtorch runs single-threaded ops and the CPU autograd
     * engine in the calling thread): robust against other load on the machine, unlike wall
     * time. -1 where unavailable.
     */
    private static long threadCpuNanos() {
        try {
            return CPU_TIME == null ? -1 : (long) CPU_TIME.invoke(THREADS);
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }

    private static NDArray hpoInnerCost(NDArray x, NDArray y, NDArray w, NDArray lambda) {
        NDArray logits = x.matMul(w);
        NDArray softplusTail = logits.abs().neg().exp().add(1).log();
        NDArray fit = logits.maximum(0).sub(logits.mul(y)).add(softplusTail).mean();
        return fit.add(w.square().mul(lambda).sum().mul(0.5f));
    }

    private static NDArray mlpLoss(NDList mlp, NDArray x, NDArray labels) {
        NDArray hidden = x.matMul(mlp.get(0)).add(mlp.get(1)).maximum(0);
        NDArray logits = hidden.matMul(mlp.get(2)).add(mlp.get(3));
        return logits.logSoftmax(1).mul(labels.oneHot(10)).sum(new int[] {1}).neg().mean();
    }
}
