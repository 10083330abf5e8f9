package org.betty4j.runtime.problem;

import java.util.Map;

/**
 * Optional for a problem class: metrics on held-out data. With a validation interval N
 * ({@code EngineConfig.Builder.optValidateEvery(N)}, or {@code --validate-every N} of a generated
 * {@code main}) the engine calls {@link #validate()} on every problem that implements this after
 * each N-th global step and after the last one, and hands the metrics to its listeners
 * ({@code EngineListener.onValidation}) and to early stopping. The command line also prints them
 * and, with {@code --output-dir}, appends them to {@code validation.csv}.
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
