package org.betty4j.runtime.hypergrad;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.junit.jupiter.api.Test;

/** Which implementation each configuration gets, and the errors for those that mean nothing. */
class HypergradientsTest {

    @Test
    void eachAvailableMethodHasItsImplementation() {
        assertInstanceOf(AidFiniteDifference.class,
                Hypergradients.forConfig("L", HypergradConfig.defaults(HypergradMethod.AID_FD)));
        assertInstanceOf(AidConjugateGradient.class,
                Hypergradients.forConfig("L", HypergradConfig.defaults(HypergradMethod.AID_CG)));
        assertInstanceOf(AidNeumann.class,
                Hypergradients.forConfig("L", HypergradConfig.defaults(HypergradMethod.AID_NEUMANN)));
    }

    @Test
    void firstOrderWithAHessianInverseIsAnErrorNamingTheProblem() {
        for (HypergradMethod method : new HypergradMethod[] {HypergradMethod.AID_CG, HypergradMethod.AID_NEUMANN}) {
            HypergradConfig config = new HypergradConfig(method, 0.1, 3, true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Hypergradients.forConfig("Inner", config));
            assertTrue(e.getMessage().startsWith("Inner: " + method) && e.getMessage().contains("firstOrder"),
                    e.getMessage());
        }
    }

    @Test
    void unimplementedMethodFailsClearly() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Hypergradients.forConfig("Inner", HypergradConfig.defaults(HypergradMethod.ITD_RMAD)));
        assertTrue(e.getMessage().contains("Inner") && e.getMessage().contains("ITD_RMAD"), e.getMessage());
    }
}
