package org.betty4j.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** GradScaler's rule, step by step: back off on overflow, grow after an interval of finite steps. */
class LossScalerTest {

    @Test
    void defaultsAreGradScalers() {
        LossScaler s = LossScaler.builder().build();
        assertEquals(65536.0, s.scale());
        // 1999 finite steps keep the scale, the 2000th doubles it
        for (int i = 0; i < 1999; i++) {
            assertTrue(s.update(true));
        }
        assertEquals(65536.0, s.scale());
        assertTrue(s.update(true));
        assertEquals(131072.0, s.scale());
        assertEquals(0, s.finiteSteps());
    }

    @Test
    void overflowSkipsHalvesAndRestartsTheGrowthCount() {
        LossScaler s = LossScaler.builder().optInitialScale(8).optGrowthInterval(3).optGrowthFactor(2)
                .optBackoffFactor(0.5).build();
        List<Boolean> finite = List.of(true, true, true, true, false, true, true, false, false, true, true, true);
        // the closed form of the rule: scale_k = 8 * 2^(growths so far) * 0.5^(overflows so far), where a growth
        // happens after every 3rd finite step in a row
        double expected = 8;
        int run = 0;
        long skipped = 0;
        for (boolean f : finite) {
            boolean applied = s.update(f);
            assertEquals(f, applied);
            if (f) {
                if (++run == 3) {
                    expected *= 2;
                    run = 0;
                }
            } else {
                expected *= 0.5;
                run = 0;
                skipped++;
            }
            assertEquals(expected, s.scale());
            assertEquals(run, s.finiteSteps());
        }
        assertEquals(skipped, s.skipped());
        // 8 -> 16 (3 finite) -> 8 (overflow after 1 finite) -> 4 -> 2 (two overflows after 2 finite) -> 4 (3 finite)
        assertEquals(4.0, s.scale());
        assertEquals(3, s.skipped());
    }

    @Test
    void badSettingsAreClearErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossScaler.builder().optInitialScale(0))
                .getMessage().contains("initial loss scale"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossScaler.builder().optBackoffFactor(1))
                .getMessage().contains("(0, 1)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossScaler.builder().optGrowthFactor(1))
                .getMessage().contains("> 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossScaler.builder().optGrowthInterval(0))
                .getMessage().contains(">= 1"));
    }
}
