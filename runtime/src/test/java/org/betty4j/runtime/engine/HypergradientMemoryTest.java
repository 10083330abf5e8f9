package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.junit.jupiter.api.Test;

/**
 * No leak: resident memory after 300 AID-FD hypergradient steps on a 200k-parameter lower
 * problem stays within 40 MiB of the memory after the first 50.
 *
 * <p>Why the bound is meaningful: one leaked parameter-sized float64 array per step is
 * 1.6 MB, 400 MB over the 250 measured steps; even one leaked scalar handle per op would show
 * as steady growth. 40 MiB leaves room for allocator noise and JIT warm-up.
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
            assertTrue(m.growthKiB() < 40 * 1024, "resident memory grew by " + m.growthKiB() + " KiB over 250 steps");
        }
    }
}
