package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.junit.jupiter.api.Test;

/**
 * No leak: over 300 AID-FD hypergradient steps on a 200k-parameter lower problem, after the
 * first 50, resident memory grows by less than 4 MiB per 50 steps (median) and 160 MiB in all.
 *
 * <p>Why the bounds are meaningful: one leaked parameter-sized float64 array per step is
 * 1.6 MB, 80 MB per 50 steps and 400 MB over the 250 measured steps; the median catches anything
 * above ~80 KB per step (measured noise of one interval after a GC: ±8 MiB; medians 0.02–1.6
 * MiB), while a one-time allocator or JIT jump (see {@link QuadraticLeakCheck}) stays under the
 * total.
 */
class HypergradientMemoryTest {

    @Test
    void residentMemoryIsFlatOverHundredsOfHypergradientSteps() {
        try (QuadraticLeakCheck check = new QuadraticLeakCheck("memory", 200_000, 7, 0.01f, 1,
                HypergradConfig.defaults(HypergradMethod.AID_FD))) {
            QuadraticLeakCheck.Measurement m = check.run(300, 50, engine -> {});
            System.out.println("AID_FD memory over 300 steps: " + m);
            assertEquals(300, m.upperSteps(), "every global step must have run a hypergradient step");
            assertEquals(m.heldAtMark(), m.heldAtEnd(), "arrays held by the engine changed");
            assertTrue(m.medianIntervalGrowthKiB() < 4096, "resident memory grows step after step: " + m);
            assertTrue(m.growthKiB() < 160 * 1024, "resident memory grew by " + m.growthKiB() + " KiB over 250 steps: "
                    + m);
        }
    }
}
