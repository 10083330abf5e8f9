package org.betty4j.runtime.script;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.betty4j.runtime.autograd.GradientPaths;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.Sgd;

/**
 * Microseconds per inner step of the logistic-regression HPO (500×20 batch, cost BCE + ½ Σ λw²,
 * SGD): the fused scripted step (one TorchScript call: cost, gradient, checks, update), with
 * libtorch's graph executor optimizing and not, and with the cost through libtorch's fused
 * BCE-with-logits kernel; the same in DJL operations with DJL's backward,
 * and with the runtime's autograd facade; medians of interleaved rounds, one thread. Not a test:
 * run it with
 *
 * <pre>
 * mvn -B -q -pl runtime -am test-compile &amp;&amp; cd runtime &amp;&amp; mvn -B -q -o exec:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test -Dexec.args="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
 *   -Dai.djl.pytorch.num_interop_threads=1 -cp %classpath org.betty4j.runtime.script.ScriptedStepBenchmark"
 * </pre>
 */
public final class ScriptedStepBenchmark {

    private ScriptedStepBenchmark() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int calls = 500;
        try (NDManager base = NDManager.newBaseManager()) {
            base.getEngine().setRandomSeed(1);
            NDArray w = base.zeros(new Shape(20));
            w.setRequiresGradient(true);
            NDArray lam = base.ones(new Shape(20));
            NDArray x = base.randomNormal(new Shape(500, 20));
            NDArray y = base.randomInteger(0, 2, new Shape(500), DataType.INT32).toType(DataType.FLOAT32, false);
            Sgd sgd = Sgd.builder().setLearningRate(0.1f).build();
            ScriptedStep step = ScriptedStep.compile("bench", ScriptedHpo.INNER_COST, List.of("w"), 1, 2,
                    sgd.updateRule().orElseThrow());
            // the same cost through libtorch's fused BCE-with-logits kernel: fewer operations, the
            // same value within float rounding (not the Java cost's bits)
            ScriptedStep fusedBce = ScriptedStep.compile("bench", """
                    def cost(w: Tensor, lam: Tensor, x: Tensor, y: Tensor) -> Tensor:
                        fit = torch.binary_cross_entropy_with_logits(torch.matmul(x, w), y, None, None, 1)
                        return fit + torch.sum(torch.square(w) * lam) * 0.5
                    """, List.of("w"), 1, 2, sgd.updateRule().orElseThrow());
            NDList arguments = new NDList(w, lam, x, y);
            float[] h = sgd.updateRule().orElseThrow().scriptScalars(0.1f, 1);

            Map<String, Runnable> ops = new LinkedHashMap<>();
            ops.put("fused scripted step, graph executor not optimizing (the engine's)",
                    () -> step.run(arguments, h, false).loss().close());
            ops.put("fused scripted step, graph executor optimizing", () -> step.run(arguments, h, true).loss().close());
            ops.put("fused scripted step, cost through torch.binary_cross_entropy_with_logits",
                    () -> fusedBce.run(arguments, h).loss().close());
            ops.put("DJL ops + GradientCollector.backward + SGD update + loss read", () -> {
                try (NDManager m = base.newSubManager()) {
                    w.tempAttach(m);
                    NDArray loss;
                    try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                        loss = cost(w, lam, x, y);
                        gc.backward(loss);
                    }
                    try (GradMode off = GradMode.disabled()) {
                        w.subi(w.getGradient().mul(0.1f));
                    }
                    loss.getFloat();
                }
            });
            ops.put("DJL ops + autograd facade + SGD update + loss read", () -> {
                try (NDManager m = base.newSubManager()) {
                    ClosedArrayBuffers.retainUntilClosed(m);
                    w.tempAttach(m);
                    NDArray loss;
                    NDList g;
                    try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                        loss = cost(w, lam, x, y);
                        g = GradientPaths.scriptGrad(loss, new NDList(w));
                    }
                    try (GradMode off = GradMode.disabled()) {
                        w.subi(g.get(0).mul(0.1f));
                    }
                    loss.getFloat();
                }
            });
            Map<String, double[]> us = new LinkedHashMap<>();
            Map<String, double[]> cpu = new LinkedHashMap<>();
            ops.keySet().forEach(k -> us.put(k, new double[rounds]));
            ops.keySet().forEach(k -> cpu.put(k, new double[rounds]));
            for (int r = -3; r < rounds; r++) {
                for (Map.Entry<String, Runnable> op : ops.entrySet()) {
                    long t0 = System.nanoTime();
                    long c0 = threadCpuNanos();
                    for (int i = 0; i < calls; i++) {
                        op.getValue().run();
                    }
                    if (r >= 0) {
                        us.get(op.getKey())[r] = (System.nanoTime() - t0) / 1e3 / calls;
                        cpu.get(op.getKey())[r] = (threadCpuNanos() - c0) / 1e3 / calls;
                    }
                }
            }
            System.out.println("  wall us   thread CPU us   (medians)");
            for (String k : ops.keySet()) {
                System.out.printf(Locale.ROOT, "%8.1f  %8.1f      %s%n", median(us.get(k)), median(cpu.get(k)), k);
            }
            step.close();
            fusedBce.close();
        }
    }

    /** This thread's CPU time (Linux: the first field of /proc/thread-self/schedstat, in ns). */
    static long threadCpuNanos() {
        try {
            return Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat"))
                    .split(" ")[0]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static NDArray cost(NDArray w, NDArray lam, NDArray x, NDArray y) {
        NDArray z = x.matMul(w);
        NDArray tail = z.abs().neg().exp().add(1).log();
        NDArray fit = z.maximum(0).sub(z.mul(y)).add(tail).mean();
        return fit.add(w.square().mul(lam).sum().mul(0.5f));
    }
}
