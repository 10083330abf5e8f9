package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Early stopping against a recording stop callback (the engine's requestStop in a real run). */
class EarlyStoppingTest {

    private final List<String> stops = new ArrayList<>();

    /** Feeds Net.loss values at global steps 1, 2, ...; returns the step at which stop was requested, or -1. */
    private int feed(EarlyStopping.Watch stopping, double... values) {
        for (int i = 0; i < values.length; i++) {
            stopping.onValidation(i + 1, "Net", Map.of("loss", values[i], "other", 0.0));
            if (!stops.isEmpty()) {
                return i + 1;
            }
        }
        return -1;
    }

    @Test
    void minStopsAfterPatienceValidationsWithoutImprovement() {
        EarlyStopping.Watch stopping = EarlyStopping.parse("Net.loss:min:2").watch(stops::add);
        // best 3.0 at step 2; 3.5 and 3.0 (equal is no improvement) are the two bad validations
        assertEquals(4, feed(stopping, 4.0, 3.0, 3.5, 3.0, 1.0));
        assertEquals(3.0, stopping.best());
        assertTrue(stopping.stopped());
        assertEquals(1, stops.size());
        assertTrue(stops.get(0).contains("Net.loss has not improved for 2 validation(s); best min = 3.00000 at global"
                + " step 2"), stops.get(0));
    }

    @Test
    void anImprovementResetsThePatience() {
        EarlyStopping.Watch stopping = EarlyStopping.parse("Net.loss:min:2").watch(stops::add);
        assertEquals(-1, feed(stopping, 5.0, 6.0, 4.0, 4.5, 3.0, 3.1));
        assertFalse(stopping.stopped());
        assertEquals(3.0, stopping.best());
    }

    @Test
    void maxTreatsHigherAsBetter() {
        EarlyStopping.Watch stopping = EarlyStopping.parse("Net.loss:MAX:1").watch(stops::add);
        assertEquals(3, feed(stopping, 0.1, 0.2, 0.15, 0.9));
        assertEquals(0.2, stopping.best());
    }

    @Test
    void stopIsRequestedOnceAndOtherProblemsAreIgnored() {
        EarlyStopping.Watch stopping = new EarlyStopping("Net", "loss", EarlyStopping.Goal.MIN, 1).watch(stops::add);
        stopping.onValidation(1, "Other", Map.of("x", 1.0)); // no 'loss' but not watched: ignored
        stopping.onValidation(1, "Net", Map.of("loss", 1.0));
        stopping.onValidation(2, "Net", Map.of("loss", 2.0));
        stopping.onValidation(3, "Net", Map.of("loss", 2.0));
        assertEquals(1, stops.size());
    }

    @Test
    void aMissingOrNanMetricIsAnErrorNamingIt() {
        EarlyStopping.Watch stopping = EarlyStopping.parse("Net.accuracy:max:3").watch(stops::add);
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> stopping.onValidation(7, "Net", Map.of("loss", 1.0)));
        assertTrue(missing.getMessage().contains("Net.validate() returned no metric 'accuracy' at global step 7"),
                missing.getMessage());
        IllegalStateException nan = assertThrows(IllegalStateException.class,
                () -> stopping.onValidation(8, "Net", Map.of("accuracy", Double.NaN)));
        assertTrue(nan.getMessage().contains("the metric is NaN at global step 8"), nan.getMessage());
    }

    @Test
    void malformedSpecificationsNameTheWrongPart() {
        assertParseError("Net.loss:min", "has 2 part(s)");
        assertParseError("loss:min:3", "'loss' does not name a problem and a metric");
        assertParseError("Net.loss:lowest:3", "'lowest' is neither min nor max");
        assertParseError("Net.loss:min:few", "patience 'few' is not a whole number");
        assertParseError("Net.loss:min:0", "patience must be at least 1 validation, got 0");
    }

    private void assertParseError(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarlyStopping.parse(spec));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
