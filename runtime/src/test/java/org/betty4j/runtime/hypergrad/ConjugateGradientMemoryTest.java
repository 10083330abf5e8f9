package org.betty4j.runtime.hypergrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.QuadraticLeakCheck;
import org.junit.jupiter.api.Test;

/**
 * No leak: resident memory after 1,000 AID_CG hypergradient steps (3 CG iterations each: one
 * graph-carrying gradient, three Hessian-vector products, one mixed product) on a
 * 100k-parameter float64 lower problem stays within 64 MiB of the memory after the first 50,
 * and the engine holds the same number of arrays.
 *
 * <p>Why the bound is meaningful: one leaked parameter-sized array per step is 0.8 MB, 760 MB
 * over the 950 measured steps; a leaked graph (which holds several such arrays) far more.
 * Measured growth is 20-25 MiB and flattens (allocator arenas and JIT warm-up, not steps):
 * 64 MiB leaves room for that noise while still catching any per-step leak.
 */
class ConjugateGradientMemoryTest {

    private static final int STEPS = 1000;

    @Test
    void residentMemoryIsFlatOverAThousandCgHypergradientSteps() {
        try (QuadraticLeakCheck check = new QuadraticLeakCheck("cg-memory", 100_000, 17, 0.01f, 1,
                HypergradConfig.defaults(HypergradMethod.AID_CG))) {
            QuadraticLeakCheck.Measurement m = check.run(STEPS, 50, engine -> {});
            System.out.println("AID_CG memory over " + STEPS + " steps: " + m);
            assertEquals(STEPS, m.upperSteps(), "every global step must have run a hypergradient step");
            assertEquals(m.heldAtMark(), m.heldAtEnd(), "arrays held by the engine changed");
            assertTrue(m.growthKiB() < 64 * 1024, "resident memory grew by " + m.growthKiB() + " KiB over "
                    + (STEPS - 50) + " steps");
        }
    }
}
