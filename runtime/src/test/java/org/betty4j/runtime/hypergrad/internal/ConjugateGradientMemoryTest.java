package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.engine.QuadraticLeakCheck;
import org.junit.jupiter.api.Test;

/**
 * No leak: resident memory after 1,000 AID_CG hypergradient steps (3 CG iterations each: one
 * graph-carrying gradient, three Hessian-vector products, one mixed product) on a
 * 100k-parameter float64 lower problem does not grow step after step: the median growth per
 * 50 steps is under 4 MiB, the total over 950 steps under 192 MiB, and the engine holds the same
 * number of arrays.
 *
 * <p>Why the bounds are meaningful: one leaked parameter-sized array per step is 0.8 MB, 40 MB
 * per 50 steps and 760 MB over the 950 measured; a leaked graph (which holds several such
 * arrays) far more; the median catches anything above ~80 KB per step (noise of one interval
 * after a GC: ±8 MiB). Measured total growth is usually −12…+28 MiB; in 2 of about 10
 * full-suite runs it was ~125 MiB (see {@link QuadraticLeakCheck}).
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
            assertTrue(m.medianIntervalGrowthKiB() < 4096, "resident memory grows step after step: " + m);
            assertTrue(m.growthKiB() < 192 * 1024, "resident memory grew by " + m.growthKiB() + " KiB over "
                    + (STEPS - 50) + " steps: " + m);
        }
    }
}
