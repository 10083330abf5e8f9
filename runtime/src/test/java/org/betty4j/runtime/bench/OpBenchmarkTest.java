package org.betty4j.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every benchmark of {@link OpBenchmark} once per parameter value, outside JMH, so a benchmark
 * that stops working fails the build rather than the next measurement: each call runs, leaves no
 * array behind in its state's manager, the finite checks pass finite gradients and an update
 * moves the parameters. (That the gradient paths agree is {@code FirstOrderGradientTest}'s.)
 */
class OpBenchmarkTest {

    private final OpBenchmark bench = new OpBenchmark();

    @Test
    void everyGradientPathRunsOnEveryCost() {
        for (String cost : List.of("tiny", "hpo", "mlp")) {
            OpBenchmark.Cost c = new OpBenchmark.Cost();
            c.cost = cost;
            c.create();
            try {
                int held = c.base.getManagedArrays().size();
                List<Runnable> calls = List.of(() -> bench.forwardOnly(c), () -> bench.djlBackward(c),
                        () -> bench.namedFacade(c), () -> bench.autogradGrad(c), () -> bench.scriptGrad(c),
                        () -> bench.scriptVjp(c), () -> bench.scriptGradUnoptimized(c));
                for (int i = 0; i < calls.size(); i++) {
                    calls.get(i).run();
                    assertEquals(held, c.base.getManagedArrays().size(), cost + ", call " + i + " left arrays behind");
                }
            } finally {
                c.close();
            }
        }
    }

    @Test
    void finiteChecksPassFiniteGradients() {
        OpBenchmark.Gradients g = new OpBenchmark.Gradients();
        g.create();
        try {
            int held = g.base.getManagedArrays().size();
            assertTrue(bench.finiteCheckElementwise(g));
            assertTrue(bench.finiteCheckFused(g));
            assertEquals(held, g.base.getManagedArrays().size());
        } finally {
            g.close();
        }
    }

    @Test
    void optimizerStepMovesTheParameters() {
        for (String optimizer : List.of("sgd", "adam")) {
            OpBenchmark.Update u = new OpBenchmark.Update();
            u.optimizer = optimizer;
            u.create();
            try {
                float[] before = u.params.get(0).toFloatArray();
                bench.optimizerStep(u);
                int held = u.base.getManagedArrays().size();
                bench.optimizerStep(u);
                assertEquals(2, u.rule.updates(), optimizer);
                assertFalse(Arrays.equals(before, u.params.get(0).toFloatArray()), optimizer);
                assertEquals(held, u.base.getManagedArrays().size(), optimizer + ": an update left arrays behind");
            } finally {
                u.close();
            }
        }
    }
}
