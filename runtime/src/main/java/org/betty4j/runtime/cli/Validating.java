package org.betty4j.runtime.cli;

import java.util.Map;

/**
 * Optional for a problem class: metrics on held-out data. With {@code --validate-every N} the
 * generated {@code main} calls {@link #validate()} on every problem that implements this after
 * each N-th global step and after the last one, prints the metrics and, with
 * {@code --output-dir}, appends them to {@code validation.csv}.
 *
 * <pre>{@code
 * @Level(1)
 * public class Classifier implements Trainable, Validating {
 *   public Map<String, Double> validate() {
 *     return Map.of("accuracy", accuracy(testSet));
 *   }
 * }
 * }</pre>
 */
public interface Validating {

    /** Metric name to value, computed with the problem's current parameters (no gradients needed). */
    Map<String, Double> validate();
}
