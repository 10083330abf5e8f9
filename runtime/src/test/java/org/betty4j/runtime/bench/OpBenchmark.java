package org.betty4j.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;

/**
 * Per-call cost of single operations the engine issues every step, in microseconds (median of
 * interleaved rounds, warm-up excluded, one thread): a gradient through DJL's own backward and
 * through the runtime's autograd facade, on a tiny problem ({@code (p·p).sum()}, p ∈ R^20) and
 * on an MLP 784-256-10 step (batch 100); and the non-finite check of the gradients of that MLP,
 * element-wise (isInfinite, isNaN, logicalOr, any per array) against the fused form the engine
 * uses (one sum per array, stacked, read once). Not a test: run it with
 *
 * <pre>
 * mvn -B -q -pl runtime -am test-compile &amp;&amp; cd runtime &amp;&amp; mvn -B -q -o exec:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test -Dexec.args="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
 *   -Dai.djl.pytorch.num_interop_threads=1 -cp %classpath org.betty4j.runtime.bench.OpBenchmark"
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

            Map<String, Runnable> ops = new LinkedHashMap<>();
            ops.put("tiny gradient (p·p).sum(), p in R^20: DJL GradientCollector.backward", () -> {
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    gc.backward(p.mul(p).sum());
                }
                try (NDArray g = p.getGradient()) {
                    g.subi(g);
                }
            });
            ops.put("tiny gradient: autograd facade grad()", () -> {
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    Autograd.get().grad(p.mul(p).sum(), new NDList(p), false);
                }
            });
            ops.put("MLP 784-256-10 forward+backward, batch 100: DJL GradientCollector.backward", () -> {
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    gc.backward(mlpLoss(mlp, x, labels));
                }
                for (NDArray a : mlp) {
                    try (NDArray g = a.getGradient()) {
                        g.subi(g);
                    }
                }
            });
            ops.put("MLP forward+backward: autograd facade grad()", () -> {
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    Autograd.get().grad(mlpLoss(mlp, x, labels), mlp, false);
                }
            });
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
            String[] names = ops.keySet().toArray(new String[0]);
            double[][] us = new double[names.length][rounds];
            int perRound = 20;
            for (int r = -3; r < rounds; r++) {
                for (int i = 0; i < names.length; i++) {
                    Runnable op = ops.get(names[i]);
                    long start = System.nanoTime();
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
                    }
                }
            }
            System.out.printf(Locale.ROOT, "| operation (%d rounds of %d calls, each call in its own sub-manager) | median µs "
                    + "per call |%n|---|---|%n", rounds, perRound);
            for (int i = 0; i < names.length; i++) {
                Arrays.sort(us[i]);
                System.out.printf(Locale.ROOT, "| %s | %.1f |%n", names[i], us[i][rounds / 2]);
            }
        }
    }

    private static NDArray mlpLoss(NDList mlp, NDArray x, NDArray labels) {
        NDArray hidden = x.matMul(mlp.get(0)).add(mlp.get(1)).maximum(0);
        NDArray logits = hidden.matMul(mlp.get(2)).add(mlp.get(3));
        return logits.logSoftmax(1).mul(labels.oneHot(10)).sum(new int[] {1}).neg().mean();
    }
}
