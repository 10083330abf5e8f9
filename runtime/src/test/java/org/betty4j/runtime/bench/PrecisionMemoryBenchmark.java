package org.betty4j.runtime.bench;

import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.ParameterList;
import ai.djl.training.dataset.Batch;
import org.betty4j.runtime.engine.*;
import org.betty4j.runtime.problem.*;
import org.betty4j.runtime.optim.*;
import org.betty4j.runtime.data.*;
/**
 * Peak resident memory of a bilevel AID-FD run with two 4M-parameter problems in FLOAT32 vs
 * FLOAT16 (one precision per JVM: peak memory cannot be reset). Not a test; run twice:
 * {@code cd runtime && mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-Dai.djl.offline=true -cp %classpath org.betty4j.runtime.bench.PrecisionMemoryBenchmark FLOAT16"}.
 */
public final class PrecisionMemoryBenchmark {
  static final int N = 4_000_000;
  static final class P implements Trainable {
    NDArray theta; Optimizer opt;
    public void setUp(ProblemContext c) { theta = c.manager().randomNormal(new Shape(N)).mul(0.01).toType(c.dataType(), false); opt = Sgd.builder().setLearningRate(0.01f).optMomentum(0.9f).build(); }
    public ParameterList parameters() { return ParameterLists.of("theta", theta); }
    public Optimizer optimizer() { return opt; }
    public BatchSource data() { return new BatchSource() { public Batch next(NDManager p) { NDManager m = p.newSubManager(); return new Batch(m, new NDList(m.zeros(new Shape(1))), new NDList(m.zeros(new Shape(1))), 1, null, null, 0, 0);} public int epoch() { return 0; } }; }
  }
  public static void main(String[] a) throws Exception {
    DataType t = DataType.valueOf(a[0]);
    P lo = new P(), up = new P();
    Program prog = Program.builder("mem")
      .problem(ProblemNode.builder("L", 1, lo).costFunction(b -> Cost.of(lo.theta.sub(up.theta).square().sum().mul(0.5))).build())
      .problem(ProblemNode.builder("U", 2, up).costFunction(b -> Cost.of(lo.theta.square().sum().mul(0.5))).build())
      .upperToLower("U", "L").lowerToUpper("L", "U").path("U", "L", "U").build();
    long t0 = System.nanoTime();
    try (Engine e = new Engine(prog, EngineConfig.builder().optIterations(50).optDataType(t).build())) { e.run(); }
    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) if (line.startsWith("VmHWM")) System.out.println(t + " " + line + " time " + (System.nanoTime()-t0)/1e9 + " s");
  }
}
