package org.betty4j.runtime.metrics;

import java.util.Map;

/** Receives the metrics of one problem's validation (the command line's {@code --validate-every}). */
public interface ValidationListener {

    /**
     * @param globalStep the global step after which the problem was validated
     * @param problem the problem's name
     * @param metrics metric name to value
     */
    void onValidation(int globalStep, String problem, Map<String, Double> metrics);
}
