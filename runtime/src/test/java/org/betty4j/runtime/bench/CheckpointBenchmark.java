package org.betty4j.runtime.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.betty4j.runtime.checkpoint.RegressionHpoProgramAccess;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;

/**
 * Checkpoint overhead: the time of one checkpoint write (atomic, fsync'd) as a ratio of one
 * global step, on the checkpoint test's bilevel program. Not a test; run with
 * {@code cd runtime && mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-Dai.djl.offline=true -cp %classpath org.betty4j.runtime.bench.CheckpointBenchmark"}.
 */
public final class CheckpointBenchmark {

    private CheckpointBenchmark() {}

    public static void main(String[] args) throws Exception {
        int steps = 600;
        Path dir = Files.createTempDirectory("betty4j-ckpt-bench");
        Path file = dir.resolve("run.ckpt");
        double plain = time(EngineConfig.builder().optIterations(steps).build());
        double every10 = time(EngineConfig.builder().optIterations(steps).optCheckpoint(file, 10).build());
        double every1 = time(EngineConfig.builder().optIterations(steps).optCheckpoint(file, 1).build());
        double stepMs = plain / steps;
        double writeMs = (every1 - plain) / steps;
        System.out.printf("global step %.3f ms; one checkpoint (%d bytes) %.3f ms = %.2f x a step%n",
                stepMs, Files.size(file), writeMs, writeMs / stepMs);
        System.out.printf("run time ratio: checkpoint every step %.2f, every 10 steps %.2f (vs none)%n",
                every1 / plain, every10 / plain);
    }

    private static double time(EngineConfig config) {
        // warm-up run so JIT and libtorch start-up are not measured
        try (Engine warm = new Engine(RegressionHpoProgramAccess.program(), EngineConfig.builder().optIterations(50).build())) {
            warm.run();
        }
        long t0 = System.nanoTime();
        try (Engine engine = new Engine(RegressionHpoProgramAccess.program(), config)) {
            engine.run();
        }
        return (System.nanoTime() - t0) / 1e6;
    }
}
