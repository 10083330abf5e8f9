package org.betty4j.runtime.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time of the benchmark's JVM per operation, in microseconds, beside JMH's wall-clock score
 * (secondary result {@code :cpu}). On a shared machine other processes stretch the wall time of
 * a call but not the CPU time it takes; with one benchmark thread and one libtorch thread the
 * process's CPU time is that thread's, plus the collector's and compiler's (small once warm).
 * The operating system counts process CPU time in clock ticks (10 ms on Linux), so iterations
 * should last a second or more.
 */
public final class ProcessCpuProfiler implements InternalProfiler {

    private long startNanos;

    @Override
    public String getDescription() {
        return "CPU time of the benchmark JVM (all its threads) per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startNanos = cpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long ops = result.getMetadata().getMeasuredOps();
        if (ops <= 0 || startNanos < 0) {
            return List.of();
        }
        double perOp = (cpuNanos() - startNanos) / (double) ops;
        double inUnit = perOp / benchmarkParams.getTimeUnit().toNanos(1);
        return List.of(new ScalarResult("cpu", inUnit, unit(benchmarkParams), AggregationPolicy.AVG));
    }

    private static String unit(BenchmarkParams params) {
        return switch (params.getTimeUnit()) {
            case NANOSECONDS -> "ns/op";
            case MICROSECONDS -> "us/op";
            case MILLISECONDS -> "ms/op";
            case SECONDS -> "s/op";
            default -> params.getTimeUnit() + "/op";
        };
    }

    /** The process's CPU time in nanoseconds, -1 where the platform does not report it. */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }
}
