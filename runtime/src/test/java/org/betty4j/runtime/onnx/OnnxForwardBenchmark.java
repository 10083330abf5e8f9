package org.betty4j.runtime.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.betty4j.runtime.autograd.GradMode;

/**
 * Forward time of the same network in ONNX Runtime ({@link OnnxSession#run}, including the
 * copies DJL array -> ONNX tensor -> DJL array) and in DJL (PyTorch engine, gradient recording
 * off, as in evaluation), as a ratio. Not a test: run it with
 *
 * <pre>
 * cd runtime &amp;&amp; mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-Dai.djl.offline=true -cp %classpath org.betty4j.runtime.onnx.OnnxForwardBenchmark"
 * </pre>
 *
 * (add {@code -Dbench.threads=1} before {@code -cp} to pin both to one thread per operator).
 *
 * <p>Network: the example classifier, MLP 784-256-10 with ReLU, float32. For each batch size
 * both are warmed up, then timed in 7 interleaved rounds; the median time per call is printed.
 * Each call creates its input from a Java float array in a fresh sub-manager (the same cost on
 * both sides) and leaves its result as a DJL array. Also printed: max |DJL - ORT|.
 */
public final class OnnxForwardBenchmark {

    private static final int ROUNDS = 7;
    /** {@code -Dbench.threads=N} pins both libraries to N threads per operator (0: their defaults). */
    private static final int THREADS = Integer.getInteger("bench.threads", 0);

    private OnnxForwardBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (THREADS > 0) {
            // read by DJL's PyTorch engine when it starts
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(THREADS));
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(THREADS));
        }
        int[] batches = args.length > 0 ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray() : new int[] {1, 100, 1000};
        Path file = Files.createTempFile("betty4j-bench-", ".onnx");
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(1);
            SequentialBlock net = new SequentialBlock()
                    .add(Linear.builder().setUnits(256).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(10).build());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 784));
            OnnxExporter.export(net, new Shape(1, 784), file);
            OnnxSession.Builder builder = OnnxSession.builder(file).optBatchSize(Integer.MAX_VALUE);
            if (THREADS > 0) {
                builder.optIntraOpThreads(THREADS);
            }
            try (OnnxSession session = builder.build()) {
                System.out.flush();
                System.err.flush();
                System.out.printf(Locale.ROOT, "MLP 784-256-10 ReLU, float32; ONNX Runtime on %s; %d CPU cores;"
                        + " threads per operator: %s%n", session.provider(), Runtime.getRuntime().availableProcessors(),
                        THREADS > 0 ? THREADS + " (both)" : "library defaults");
                System.out.printf(Locale.ROOT, "%6s %14s %14s %10s %12s%n", "batch", "ORT us/call", "DJL us/call",
                        "ORT/DJL", "max |diff|");
                for (int batch : batches) {
                    row(m, net, session, batch);
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void row(NDManager m, SequentialBlock net, OnnxSession session, int batch) {
        float[] data = new float[batch * 784];
        Random random = new Random(batch);
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        Shape shape = new Shape(batch, 784);
        int calls = Math.max(10, 5_000 / batch);
        double diff;
        try (NDManager s = m.newSubManager(); GradMode off = GradMode.disabled()) {
            NDArray x = s.create(data, shape);
            NDArray djl = net.forward(new ParameterStore(s, false), new NDList(x), false).singletonOrThrow();
            diff = djl.sub(session.run(s, x)).abs().max().getFloat();
        }
        // warm-up: JIT, allocator, thread pools
        time(() -> ortCall(m, session, data, shape), calls);
        time(() -> djlCall(m, net, data, shape), calls);
        double[] ort = new double[ROUNDS];
        double[] djl = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            ort[r] = time(() -> ortCall(m, session, data, shape), calls);
            djl[r] = time(() -> djlCall(m, net, data, shape), calls);
        }
        double ortMedian = median(ort);
        double djlMedian = median(djl);
        System.out.printf(Locale.ROOT, "%6d %14.1f %14.1f %10.2f %12.2e%n", batch, ortMedian, djlMedian,
                ortMedian / djlMedian, diff);
    }

    private static void ortCall(NDManager m, OnnxSession session, float[] data, Shape shape) {
        try (NDManager s = m.newSubManager()) {
            session.run(s, s.create(data, shape));
        }
    }

    private static void djlCall(NDManager m, SequentialBlock net, float[] data, Shape shape) {
        try (NDManager s = m.newSubManager(); GradMode off = GradMode.disabled()) {
            net.forward(new ParameterStore(s, false), new NDList(s.create(data, shape)), false);
        }
    }

    /** Microseconds per call over {@code calls} calls. */
    private static double time(Runnable call, int calls) {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        return (System.nanoTime() - t0) / 1e3 / calls;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
