package org.betty4j.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.autograd.GradientPaths;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH micro-benchmarks of single operations the engine issues every step, average time per call
 * in microseconds, one thread. Each call runs as the engine runs a step: in its own sub-manager
 * that retains closed arrays' buffers ({@link ClosedArrayBuffers}), with the state's arrays
 * temporarily attached to it, so everything the call creates is freed when it returns.
 *
 * <ul>
 *   <li>First-order gradient of three costs ({@code cost}): a tiny {@code (p·p).sum()},
 *       p ∈ R^20; the logistic-regression HPO inner cost, 500×20, whose graph also reaches a
 *       second problem's λ; an MLP 784-256-10 cross-entropy, batch 100. Each as the forward alone
 *       ({@code forwardOnly}) and the forward plus the gradient through DJL's backward, result
 *       copied out of {@code .grad}, then {@code .grad} zeroed ({@code djlBackward}); the
 *       named-list call of the same operation, {@code IValueUtils.forward} ({@code namedFacade});
 *       {@link Autograd#grad} as the engine calls it, backward for leaves ({@code autogradGrad});
 *       the TorchScript facade's {@code grad_of_scalars} ({@code scriptGrad}); {@link Autograd#vjp}
 *       with an explicit seed of ones ({@code scriptVjp}); and the facade's {@code grad} with
 *       TorchScript's graph executor optimization off ({@code scriptGradUnoptimized}).</li>
 *   <li>The non-finite check of the MLP's four gradients: element-wise, isInfinite, isNaN,
 *       logicalOr and any per array ({@code finiteCheckElementwise}), against the fused form, one
 *       sum per array, stacked, read once ({@code finiteCheckFused}).</li>
 *   <li>One optimizer update in place of the MLP's parameters from fixed gradients, gradient
 *       recording off, as the engine steps ({@code optimizerStep}): SGD with momentum 0.9, Adam.</li>
 * </ul>
 *
 * <p>Not a test: the build only runs each benchmark once, without JMH ({@code OpBenchmarkTest}).
 * The forked JVM runs DJL offline with one intra-op and one inter-op thread; the OpenMP pool's
 * size comes from the environment, hence {@code OMP_NUM_THREADS=1} on the command
 * (runtime/AUTOGRAD.md, "What a gradient call costs"):
 *
 * <pre>
 * mvn -B -q -o -pl runtime -am test-compile &amp;&amp; cd runtime &amp;&amp; OMP_NUM_THREADS=1 mvn -B -q -o exec:exec \
 *   -Dexec.executable=java -Dexec.classpathScope=test -Dexec.args="-cp %classpath org.betty4j.runtime.bench.OpBenchmark"
 * </pre>
 *
 * {@link #main} adds the JVM's CPU time per call ({@link ProcessCpuProfiler}, rows ending in
 * {@code :cpu}) beside JMH's wall time. JMH's options after the class name select benchmarks and
 * override the annotations' settings, e.g. {@code OpBenchmark.scriptGrad -p cost=hpo} or
 * {@code -wi 1 -i 2} for a short run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
    "-Dai.djl.pytorch.num_interop_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Threads(1)
public class OpBenchmark {

    /**
     * Runs the benchmarks of this class (or those JMH's arguments select) with JMH's options
     * from {@code args}, and the JVM's CPU time per call beside the wall time.
     */
    public static void main(String[] args) throws CommandLineOptionException, RunnerException {
        CommandLineOptions command = new CommandLineOptions(args);
        ChainedOptionsBuilder options = new OptionsBuilder().parent(command).addProfiler(ProcessCpuProfiler.class);
        if (command.getIncludes().isEmpty()) {
            options.include(Pattern.quote(OpBenchmark.class.getName()) + "\\.");
        }
        new Runner(options.build()).run();
    }

    /**
     * A base manager with a fixed seed, and the per-call scope over the arrays it holds (collected
     * per call, as the engine's step scope does: an optimizer replaces its state arrays every update).
     */
    abstract static class Managed {
        NDManager base;

        void open() {
            if (!"1".equals(System.getenv("OMP_NUM_THREADS"))) {
                System.err.println("OpBenchmark: OMP_NUM_THREADS is not 1; libtorch's OpenMP pool may spin "
                        + "threads beside the one measured");
            }
            base = NDManager.newBaseManager();
            base.getEngine().setRandomSeed(1);
        }

        /** A call's scope, as the engine's step scope: a sub-manager the held arrays are attached to. */
        NDManager scope() {
            NDManager step = ClosedArrayBuffers.retaining(base.newSubManager());
            step.tempAttachAll(base.getManagedArrays().toArray(new NDArray[0]));
            return step;
        }

        @TearDown(Level.Trial)
        public void close() {
            base.close();
        }
    }

    /** The MLP 784-256-10's parameters, requiring gradients, and a batch of 100. */
    static final class Mlp {
        final NDList params;
        final NDArray x;
        final NDArray labels;

        Mlp(NDManager base) {
            NDArray w1 = base.randomNormal(0, 0.05f, new Shape(784, 256), DataType.FLOAT32);
            NDArray b1 = base.zeros(new Shape(256));
            NDArray w2 = base.randomNormal(0, 0.05f, new Shape(256, 10), DataType.FLOAT32);
            NDArray b2 = base.zeros(new Shape(10));
            params = new NDList(w1, b1, w2, b2);
            params.forEach(a -> a.setRequiresGradient(true));
            x = base.randomUniform(0, 1, new Shape(100, 784));
            labels = base.randomInteger(0, 10, new Shape(100), DataType.INT64);
        }

        NDArray loss() {
            NDArray hidden = x.matMul(params.get(0)).add(params.get(1)).maximum(0);
            NDArray logits = hidden.matMul(params.get(2)).add(params.get(3));
            return logits.logSoftmax(1).mul(labels.oneHot(10)).sum(new int[] {1}).neg().mean();
        }

        /** Gradients of the loss, copied into {@code into} (outside any call's scope). */
        NDList gradients(NDManager into) {
            NDList grads = new NDList();
            try (NDManager m = ClosedArrayBuffers.retaining(into.newSubManager());
                    GradientCollector gc = into.getEngine().newGradientCollector()) {
                m.tempAttachAll(x, labels);
                m.tempAttachAll(params.toArray(new NDArray[0]));
                NDArray loss = loss();
                for (NDArray g : Autograd.get().grad(loss, params, false)) {
                    NDArray copy = g.duplicate();
                    copy.attach(into);
                    grads.add(copy);
                }
            }
            return grads;
        }
    }

    /** One of the three costs, its inputs, and every leaf its graph reaches. */
    @State(Scope.Thread)
    public static class Cost extends Managed {
        @Param({"tiny", "hpo", "mlp"})
        public String cost;

        Supplier<NDArray> forward;
        NDList inputs;
        NDList leaves;

        @Setup(Level.Trial)
        public void create() {
            open();
            switch (cost) {
                case "tiny" -> {
                    NDArray p = base.randomNormal(new Shape(20));
                    p.setRequiresGradient(true);
                    forward = () -> p.mul(p).sum();
                    inputs = new NDList(p);
                    leaves = new NDList(p);
                }
                case "hpo" -> {
                    NDArray x = base.randomNormal(new Shape(500, 20));
                    NDArray y = base.randomInteger(0, 2, new Shape(500), DataType.INT32).toType(DataType.FLOAT32, false);
                    NDArray w = base.randomNormal(0, 0.1f, new Shape(20), DataType.FLOAT32);
                    NDArray lambda = base.randomUniform(0, 1, new Shape(20));
                    w.setRequiresGradient(true);
                    lambda.setRequiresGradient(true);
                    forward = () -> hpoInnerCost(x, y, w, lambda);
                    inputs = new NDList(w);
                    leaves = new NDList(w, lambda);
                }
                case "mlp" -> {
                    Mlp mlp = new Mlp(base);
                    forward = mlp::loss;
                    inputs = mlp.params;
                    leaves = mlp.params;
                }
                default -> throw new IllegalArgumentException("cost: tiny, hpo or mlp, got " + cost);
            }
        }
    }

    /** The MLP's gradients, for the finite checks. */
    @State(Scope.Thread)
    public static class Gradients extends Managed {
        NDList grads;

        @Setup(Level.Trial)
        public void create() {
            open();
            grads = new Mlp(base).gradients(base);
        }
    }

    /** The MLP's parameters, fixed gradients, an optimizer and its state's manager. */
    @State(Scope.Thread)
    public static class Update extends Managed {
        @Param({"sgd", "adam"})
        public String optimizer;

        NDList params;
        NDList grads;
        Optimizer rule;
        NDManager state;

        @Setup(Level.Trial)
        public void create() {
            open();
            Mlp mlp = new Mlp(base);
            params = mlp.params;
            grads = mlp.gradients(base);
            state = base.newSubManager();
            rule = switch (optimizer) {
                case "sgd" -> Sgd.builder().setLearningRate(0.01f).optMomentum(0.9f).build();
                case "adam" -> Adam.builder().optLearningRate(0.001f).build();
                default -> throw new IllegalArgumentException("optimizer: sgd or adam, got " + optimizer);
            };
        }
    }

    @Benchmark
    public NDArray forwardOnly(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            return c.forward.get();
        }
    }

    @Benchmark
    public NDList djlBackward(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            return GradientPaths.djlBackward(c.forward.get(), c.inputs, c.leaves, true);
        }
    }

    @Benchmark
    public NDList namedFacade(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            return GradientPaths.namedFacade(c.forward.get(), c.inputs);
        }
    }

    @Benchmark
    public NDList autogradGrad(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            return Autograd.get().grad(c.forward.get(), c.inputs, false);
        }
    }

    @Benchmark
    public NDList scriptGrad(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            return GradientPaths.scriptGrad(c.forward.get(), c.inputs);
        }
    }

    @Benchmark
    public NDList scriptVjp(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            NDArray loss = c.forward.get();
            return Autograd.get().vjp(new NDList(loss), c.inputs, new NDList(loss.onesLike()), false);
        }
    }

    @Benchmark
    public NDList scriptGradUnoptimized(Cost c) {
        try (NDManager scope = c.scope(); GradMode on = GradMode.enabled()) {
            JniUtils.setGraphExecutorOptimize(false);
            try {
                return GradientPaths.scriptGrad(c.forward.get(), c.inputs);
            } finally {
                JniUtils.setGraphExecutorOptimize(true);
            }
        }
    }

    @Benchmark
    public boolean finiteCheckElementwise(Gradients g) {
        try (NDManager scope = g.scope()) {
            for (NDArray grad : g.grads) {
                if (grad.isInfinite().logicalOr(grad.isNaN()).any().getBoolean()) {
                    return false;
                }
            }
            return true;
        }
    }

    @Benchmark
    public boolean finiteCheckFused(Gradients g) {
        try (NDManager scope = g.scope()) {
            NDList sums = new NDList(g.grads.size());
            for (NDArray grad : g.grads) {
                sums.add(grad.sum());
            }
            for (float f : NDArrays.stack(sums).toFloatArray()) {
                if (!Float.isFinite(f)) {
                    return false;
                }
            }
            return true;
        }
    }

    @Benchmark
    public NDList optimizerStep(Update u) {
        try (NDManager scope = u.scope(); GradMode off = GradMode.disabled()) {
            u.rule.step(u.params, u.grads, u.state);
            return u.params;
        }
    }

    private static NDArray hpoInnerCost(NDArray x, NDArray y, NDArray w, NDArray lambda) {
        NDArray logits = x.matMul(w);
        NDArray softplusTail = logits.abs().neg().exp().add(1).log();
        NDArray fit = logits.maximum(0).sub(logits.mul(y)).add(softplusTail).mean();
        return fit.add(w.square().mul(lambda).sum().mul(0.5f));
    }
}
