package org.betty4j.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The step scope's walk over held arrays lists exactly what {@code NDManager.getManagedArrays} lists. */
class HeldArraysTest {

    private static Set<NDArray> identitySet(List<NDArray> arrays) {
        Set<NDArray> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(arrays);
        return set;
    }

    @Test
    void theWalkFindsTheArraysOfEverySubManagerAsDjlDoes() {
        assertTrue(Engine.HeldArrays.readsFields(), "this DJL version's manager fields are readable");
        try (NDManager m = NDManager.newBaseManager()) {
            m.create(new float[] {1, 2});
            m.ones(new ai.djl.ndarray.types.Shape(3));
            NDManager sub = m.newSubManager();
            sub.zeros(new ai.djl.ndarray.types.Shape(2, 2));
            NDManager subSub = sub.newSubManager();
            subSub.create(5f);
            m.newSubManager(); // an empty one
            List<NDArray> walked = new ArrayList<>();
            Engine.HeldArrays.collect(m, walked);
            assertEquals(4, walked.size());
            assertEquals(identitySet(m.getManagedArrays()), identitySet(walked));

            // arrays temporarily attached to a manager are listed too (through DJL's own listing)
            try (NDManager other = NDManager.newBaseManager()) {
                NDArray visiting = other.create(7f);
                visiting.tempAttach(sub);
                List<NDArray> withTemp = new ArrayList<>();
                Engine.HeldArrays.collect(m, withTemp);
                assertEquals(identitySet(m.getManagedArrays()), identitySet(withTemp));
                assertTrue(identitySet(withTemp).contains(visiting));
            }
        }
    }
}
