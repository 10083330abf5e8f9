package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import java.util.function.Consumer;
import org.betty4j.runtime.bench.ResidentMemory;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.problem.Cost;

/**
 * The workload of the no-leak tests: a float64 bilevel quadratic of {@code n} parameters per
 * level (lower cost {@code ½ Σ a_i θ_i² − θ·λ}, a in [0.5, 1.5); upper cost {@code ½‖θ‖²}),
 * run for a number of global steps, with resident memory and the arrays the engine holds
 * measured after a mark step and at the end (each after a GC).
 */
public final class QuadraticLeakCheck implements AutoCloseable {

    /** What a run measured. */
    public record Measurement(long residentAtMarkKiB, long residentAtEndKiB, int heldAtMark, int heldAtEnd,
            int upperSteps, double seconds) {

        public long growthKiB() {
            return residentAtEndKiB - residentAtMarkKiB;
        }

        @Override
        public String toString() {
            return String.format("%d MiB at the mark, %d MiB at the end (growth %d KiB), arrays held %d -> %d, "
                    + "%d upper steps, %.1f s", residentAtMarkKiB / 1024, residentAtEndKiB / 1024, growthKiB(),
                    heldAtMark, heldAtEnd, upperSteps, seconds);
        }
    }

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

    /** Runs {@code iterations} global steps, measuring after step {@code mark} and at the end; {@code afterRun} sees the engine. */
    public Measurement run(int iterations, int mark, Consumer<Engine> afterRun) {
        long[] residentAtMark = new long[1];
        int[] heldAtMark = new int[1];
        long start = System.nanoTime();
        try (Engine engine = new Engine(program, EngineConfig.builder().optIterations(iterations).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep == mark) {
                        System.gc();
                        residentAtMark[0] = ResidentMemory.currentKiB();
                        heldAtMark[0] = e.heldArrayCount();
                    }
                }
            });
            engine.run();
            System.gc();
            Measurement m = new Measurement(residentAtMark[0], ResidentMemory.currentKiB(), heldAtMark[0],
                    engine.heldArrayCount(), engine.localSteps("U"), (System.nanoTime() - start) / 1e9);
            afterRun.accept(engine);
            return m;
        }
    }

    @Override
    public void close() {
        constants.close();
    }
}
