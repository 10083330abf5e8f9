package org.betty4j.example.reweighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.NonFiniteValueException;
import org.junit.jupiter.api.Test;

/**
 * The user's mistake the guard must attribute correctly: a huge learning rate on the classifier
 * blows its weights up in its own update, and MetaWeightNet's meta loss (evaluated right after at
 * the new weights) is the first value to be non-finite. The error names the classifier, its
 * learning rate and the step, not MetaWeightNet.
 */
class NonFiniteBlameTest {

    @Test
    void aHugeClassifierLearningRateIsBlamedOnTheClassifier() {
        EngineConfig config = EngineConfig.builder().optIterations(5).optSeed(1)
                .optOption(ProgramMain.learningRateKey("Classifier"), "1e30").build();
        try (Engine engine = MetaWeightNetEngine.create(config)) {
            NonFiniteValueException e = assertThrows(NonFiniteValueException.class, engine::run);
            String m = e.getMessage();
            assertEquals("Classifier", e.problem(), m);
            assertTrue(e.quantity().startsWith("parameter '"), m);
            assertTrue(m.startsWith("Classifier: its "), m);
            assertTrue(m.contains("found as MetaWeightNet: the loss is"), m);
            // the rate of the update that blew up: 1e30 on the cosine schedule over 5 steps after one
            // update, 1e30 · ½(1 + cos(π/5)) = 9.045085e29
            assertTrue(m.contains("Lower Classifier's learning rate (now 9.045085E29)"), m);
        }
    }
}
