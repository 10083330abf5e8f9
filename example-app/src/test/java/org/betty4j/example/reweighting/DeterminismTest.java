package org.betty4j.example.reweighting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.junit.jupiter.api.Test;

/** The same seed gives bit-identical parameters; another seed does not (CPU, fixed thread count). */
class DeterminismTest {

    @Test
    void sameSeedSameParametersDifferentSeedDifferentParameters() {
        List<float[]> a = finalParameters(11);
        List<float[]> b = finalParameters(11);
        List<float[]> c = finalParameters(12);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), 0f, "parameter " + i + " differs between two runs with seed 11");
        }
        assertFalse(Arrays.equals(a.get(0), c.get(0)), "seeds 11 and 12 gave the same first parameter");
    }

    private static List<float[]> finalParameters(long seed) {
        List<float[]> out = new ArrayList<>();
        try (Engine engine = MetaWeightNetEngine.create(EngineConfig.builder().optIterations(40).optSeed(seed).build())) {
            engine.addListener(new EngineListener() {
                @Override
                public void onRunEnd(Engine e) {
                    for (String problem : MetaWeightNetEngine.EXECUTION_ORDER) {
                        for (NDArray p : e.parameters(problem)) {
                            out.add(p.toFloatArray());
                        }
                    }
                }
            });
            engine.run();
        }
        return out;
    }
}
