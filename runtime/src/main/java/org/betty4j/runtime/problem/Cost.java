package org.betty4j.runtime.problem;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A problem's cost for one batch: a scalar loss the engine differentiates, and named metrics
 * it only logs.
 */
public record Cost(NDArray loss, Map<String, Double> metrics) {

    public Cost {
        Objects.requireNonNull(loss, "loss");
        metrics = Map.copyOf(metrics);
    }

    public static Cost of(NDArray loss) {
        return new Cost(loss, Map.of());
    }

    /** A copy with one more metric. */
    public Cost withMetric(String name, double value) {
        Map<String, Double> copy = new LinkedHashMap<>(metrics);
        copy.put(name, value);
        return new Cost(loss, copy);
    }
}
