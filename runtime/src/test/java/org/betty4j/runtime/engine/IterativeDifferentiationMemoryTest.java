package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.junit.jupiter.api.Test;

/**
 * No leak with ITD_RMAD: over 300 global steps of a 100k-parameter float64 lower problem with
 * 5 recorded updates per inner loop (60 hypergradients, each through 5 updates), the arrays the
 * engine holds at a loop's end do not change, and after 50 steps resident memory grows by less
 * than 4 MiB per 50 steps (median) and 160 MiB in all (see {@link QuadraticLeakCheck}).
 *
 * <p>Why the bound is meaningful: a recorded loop holds 5 parameter copies (4 MB); keeping one
 * loop's record past the next loop start would add 4 MB per loop, 200 MB over the 50 measured
 * loops, and one leaked parameter-sized array per step 200 MB too.
 */
class IterativeDifferentiationMemoryTest {

    private static final int UNROLL = 5;

    @Test
    void heldArraysAndResidentMemoryAreFlat() {
        try (QuadraticLeakCheck check = new QuadraticLeakCheck("itd-memory", 100_000, 11, 0.25f, UNROLL,
                HypergradConfig.defaults(HypergradMethod.ITD_RMAD))) {
            int[] unrolled = new int[1];
            QuadraticLeakCheck.Measurement m = check.run(300, 50,
                    engine -> unrolled[0] = engine.methodDiagnostics("L").get("itd_updates").intValue());
            System.out.println("ITD_RMAD memory over 300 steps: " + m);
            assertEquals(300 / UNROLL, m.upperSteps(), "one hypergradient per inner loop");
            assertEquals(UNROLL, unrolled[0], "each product goes through the whole loop");
            assertEquals(m.heldAtMark(), m.heldAtEnd(), "arrays held by the engine at a loop's end");
            assertTrue(m.medianIntervalGrowthKiB() < 4096, "resident memory grows step after step: " + m);
            assertTrue(m.growthKiB() < 160 * 1024, "resident memory grew by " + m.growthKiB() + " KiB over 250 steps: "
                    + m);
        }
    }
}
