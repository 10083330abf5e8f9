package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.betty4j.runtime.bench.ResidentMemory;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.problem.Cost;

/**
 * The workload of the no-leak tests: a float64 bilevel quadratic of {@code n} parameters per
 * level (lower cost {@code ½ Σ a_i θ_i² − θ·λ}, a in [0.5, 1.5); upper cost {@code ½‖θ‖²}),
 * run for a number of global steps, with resident memory and the arrays the engine holds
 * measured after a mark step and at the end, and resident memory sampled every
 * {@link #INTERVAL} steps in between (each after a GC).
 *
 * <p>Two readings of "flat": a leak grows memory in every interval, so the median growth per
 * interval catches a per-step leak; the JVM and the allocator can add a one-off rise (the
 * 1,000-step AID_CG run grew by ~125 MiB in 2 of about 10 full-suite runs and by −12…+28 MiB
 * otherwise; not reproduced alone), which the median ignores and a generous bound on the total
 * still caps.
 */
public final class QuadraticLeakCheck implements AutoCloseable {

    /** What a run measured. */
    public record Measurement(long residentAtMarkKiB, long residentAtEndKiB, int heldAtMark, int heldAtEnd,
            int upperSteps, double seconds, long[] intervalGrowthKiB) {

        public long growthKiB() {
            return residentAtEndKiB - residentAtMarkKiB;
        }

        /** The median resident-memory growth over one interval of {@link #INTERVAL} steps. */
        public long medianIntervalGrowthKiB() {
            long[] sorted = intervalGrowthKiB.clone();
            java.util.Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }

        @Override
        public String toString() {
            return String.format("%d MiB at the mark, %d MiB at the end (growth %d KiB; median per %d steps %d KiB, "
                    + "intervals %s), arrays held %d -> %d, %d upper steps, %.1f s", residentAtMarkKiB / 1024,
                    residentAtEndKiB / 1024, growthKiB(), INTERVAL, medianIntervalGrowthKiB(),
                    java.util.Arrays.toString(intervalGrowthKiB), heldAtMark, heldAtEnd, upperSteps, seconds);
        }
    }

    /** Steps between two resident-memory samples. */
    public static final int INTERVAL = 50;

    // the curvature is a constant outside the engine: creating it from a double[] every step
    // would only measure Java garbage (direct buffers) waiting for a collection
    private final NDManager constants = NDManager.newBaseManager();
    private final Program program;

    /**
     * @param unrollSteps the lower problem's unroll steps (the upper steps once per inner loop)
     * @param hypergrad the lower problem's best-response method
     */
    public QuadraticLeakCheck(String name, int n, long seed, float lowerRate, int unrollSteps,
            HypergradConfig hypergrad) {
        Random r = new Random(seed);
        double[] w0 = new double[n];
        double[] l0 = new double[n];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            w0[i] = r.nextGaussian();
            l0[i] = r.nextGaussian();
            a[i] = 0.5 + r.nextDouble();
        }
        NDArray curvature = constants.create(a);
        ToyProblem lower = new ToyProblem(w0, lowerRate);
        ToyProblem upper = new ToyProblem(l0, 0.001f);
        program = Program.builder(name)
                .problem(ProblemNode.builder("L", 1, lower)
                        .costFunction(batch -> Cost.of(lower.theta.square().mul(curvature).sum().mul(0.5)
                                .sub(lower.theta.mul(upper.theta).sum())))
                        .optUnrollSteps(unrollSteps)
                        .optHypergrad(hypergrad)
                        .build())
                .problem(ToyProblem.node("U", 2, upper, 1, batch -> lower.theta.square().sum().mul(0.5)))
                .upperToLower("U", "L")
                .lowerToUpper("L", "U")
                .path("U", "L", "U")
                .build();
    }

    /**
     * Runs {@code iterations} global steps, measuring from step {@code mark} to the end;
     * {@code afterRun} sees the engine before it closes.
     */
    public Measurement run(int iterations, int mark, Consumer<Engine> afterRun) {
        long[] residentAtMark = new long[1];
        int[] heldAtMark = new int[1];
        List<Long> samples = new ArrayList<>();
        long start = System.nanoTime();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(iterations).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep == mark) {
                        System.gc();
                        residentAtMark[0] = ResidentMemory.currentKiB();
                        heldAtMark[0] = e.heldArrayCount();
                        samples.add(residentAtMark[0]);
                    }
                    if (globalStep > mark && (globalStep - mark) % INTERVAL == 0) {
                        System.gc();
                        samples.add(ResidentMemory.currentKiB());
                    }
                }
            });
            engine.run();
            System.gc();
            long[] growth = new long[Math.max(1, samples.size() - 1)];
            for (int i = 1; i < samples.size(); i++) {
                growth[i - 1] = samples.get(i) - samples.get(i - 1);
            }
            Measurement m = new Measurement(residentAtMark[0], ResidentMemory.currentKiB(), heldAtMark[0],
                    engine.heldArrayCount(), engine.localSteps("U"), (System.nanoTime() - start) / 1e9, growth);
            afterRun.accept(engine);
            return m;
        }
    }

    @Override
    public void close() {
        constants.close();
    }
}
