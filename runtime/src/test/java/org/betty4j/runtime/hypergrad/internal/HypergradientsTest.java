package org.betty4j.runtime.hypergrad.internal;

import org.betty4j.runtime.hypergrad.HypergradConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.Optimizer;
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
        Optimizer own = new Optimizer() {
            @Override
            public void step(NDList params, NDList grads, NDManager stateManager) {}

            @Override
            public int updates() {
                return 0;
            }

            @Override
            public float learningRate() {
                return 0.1f;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Hypergradients.unrolled("Inner", own));
        assertTrue(e.getMessage().startsWith("Inner: ITD_RMAD") && e.getMessage().contains(own.getClass().getName())
                && e.getMessage().contains("Fix:"), e.getMessage());
    }

    @Test
    void itdTakesAdamsSettings() {
        assertEquals("Adam(beta1=0.75, beta2=0.875, epsilon=1.0E-6, weightDecay=0.25)", Hypergradients.unrolled("Inner",
                Adam.builder().optBetas(0.75f, 0.875f).optEpsilon(1e-6f).optWeightDecay(0.25f).build()).toString());
    }

    @Test
    void itdTakesSgdsMomentumAndWeightDecay() {
        assertTrue(Hypergradients.unrolled("Inner", Sgd.builder().setLearningRate(0.1f).optMomentum(0.5f)
                .optWeightDecay(0.25f).build()).toString().equals("Sgd(momentum=0.5, weightDecay=0.25)"));
    }
}
