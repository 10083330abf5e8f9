package org.betty4j.runtime.script;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.function.Supplier;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.Adam;
import org.betty4j.runtime.optim.LearningRateSchedule;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.junit.jupiter.api.Test;

/**
 * Each update rule's TorchScript form is its Java form: on random parameters and gradients, over
 * several updates with learning-rate schedules, the scripted step (whose cost Σ aᵢ·gᵢ has the
 * gradient g exactly) leaves the same parameters and optimizer state as {@code Optimizer.step},
 * to the bit.
 */
class ScriptedRuleTest {

    private static final String COST = """
            def cost(a: Tensor, b: Tensor, ga: Tensor, gb: Tensor) -> Tensor:
                return torch.sum(a * ga) + torch.sum(b * gb)
            """;

    private static void assertSameUpdates(Supplier<Optimizer> make) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(11);
            Optimizer java = make.get();
            Optimizer scripted = make.get();
            NDList javaParams = new NDList(m.randomNormal(new Shape(7)), m.randomNormal(new Shape(3, 4)));
            NDList params = new NDList(javaParams.get(0).duplicate(), javaParams.get(1).duplicate());
            params.forEach(p -> p.setRequiresGradient(true));
            NDManager javaState = m.newSubManager();
            NDManager state = m.newSubManager();
            try (ScriptedStep step = ScriptedStep.compile("rule", COST, List.of("a", "b"), 2, 0,
                    scripted.updateRule().orElseThrow())) {
                for (int t = 1; t <= 8; t++) {
                    NDList grads = new NDList(m.randomNormal(new Shape(7)), m.randomNormal(new Shape(3, 4)).mul(3));
                    try (GradMode off = GradMode.disabled()) {
                        java.step(javaParams, grads, javaState);
                    }
                    NDList arguments = new NDList();
                    arguments.addAll(params);
                    arguments.addAll(grads);
                    arguments.addAll(scripted.inPlaceState(params, state).orElseThrow());
                    float[] h = scripted.updateRule().orElseThrow().scriptScalars(scripted.learningRate(),
                            scripted.updates() + 1);
                    ScriptedStep.Result r = step.run(arguments, h);
                    assertTrue(r.applied());
                    r.loss().close();
                    scripted.countInPlaceUpdate();
                    assertEquals(java.updates(), scripted.updates());
                    for (int i = 0; i < 2; i++) {
                        assertArrayEquals(javaParams.get(i).toFloatArray(), params.get(i).toFloatArray(),
                                java.updateRule().get() + ": parameter " + i + " after update " + t);
                    }
                    NDList a = java.stateCopies(javaParams, m);
                    NDList b = scripted.stateCopies(params, m);
                    assertEquals(a.size(), b.size());
                    for (int k = 0; k < a.size(); k++) {
                        assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(),
                                java.updateRule().get() + ": state array " + k + " after update " + t);
                    }
                }
            }
        }
    }

    @Test
    void sgdScriptedIsSgd() {
        assertSameUpdates(() -> Sgd.builder().setLearningRate(0.1f).build());
        assertSameUpdates(() -> Sgd.builder().setLearningRate(0.03f).optWeightDecay(5e-4f).build());
        assertSameUpdates(() -> Sgd.builder().setLearningRate(0.1f).optMomentum(0.9f).optWeightDecay(1e-2f)
                .optSchedule(LearningRateSchedule.steps(0.1f, 0.3f, 2, 5)).build());
    }

    @Test
    void adamScriptedIsAdam() {
        assertSameUpdates(() -> Adam.builder().optLearningRate(0.01f).build());
        assertSameUpdates(() -> Adam.builder().optLearningRate(0.002f).optBetas(0.8f, 0.99f).optEpsilon(1e-6f)
                .optWeightDecay(0.1f).optSchedule(LearningRateSchedule.cosine(0.002f, 8, 1e-4f)).build());
    }
}
