package org.betty4j.runtime.hypergrad;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Sgd;
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
        assertInstanceOf(IterativeDifferentiation.class,
                Hypergradients.forConfig("L", HypergradConfig.defaults(HypergradMethod.ITD_RMAD)));
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
    void itdNamesTheProblemAndTheOptimizerItCannotDifferentiate() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Hypergradients.unrolled("Inner", Adam.builder().build()));
        assertTrue(e.getMessage().startsWith("Inner: ITD_RMAD") && e.getMessage().contains(Adam.class.getName())
                && e.getMessage().contains("Fix:"), e.getMessage());
    }

    @Test
    void itdTakesSgdsMomentumAndWeightDecay() {
        assertTrue(Hypergradients.unrolled("Inner", Sgd.builder().setLearningRate(0.1f).optMomentum(0.5f)
                .optWeightDecay(0.25f).build()).toString().equals("Sgd(momentum=0.5, weightDecay=0.25)"));
    }
}
