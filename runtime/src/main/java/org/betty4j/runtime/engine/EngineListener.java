package org.betty4j.runtime.engine;

import java.util.Map;
import org.betty4j.runtime.problem.Cost;

/**
 * Observes a run. Every method has an empty default; register with
 * {@link Engine#addListener(EngineListener)}.
 */
public interface EngineListener {

    /** Before the first global step, after every problem's {@code setUp}. */
    default void onRunStart(Engine engine) {}

    /**
     * After a problem's parameter update.
     *
     * @param problem the problem that stepped
     * @param localStep its local step count (1 for its first step)
     * @param globalStep the global step during which it stepped (1-based)
     * @param loss the loss value of that step
     * @param cost the step's cost, whose arrays are valid only during this call
     */
    default void onProblemStep(ProblemNode problem, int localStep, int globalStep, double loss, Cost cost) {}

    /** After every leaf has stepped once (and every upper that became ready). */
    default void onGlobalStep(Engine engine, int globalStep) {}

    /**
     * After a problem that implements {@link org.betty4j.runtime.problem.Validating} was
     * validated: every {@link EngineConfig#validateEvery()} global steps (after the step's
     * problem steps, before {@link #onGlobalStep}) and once more before {@link #onRunEnd} unless
     * the last step was just validated.
     *
     * @param globalStep the global step after which the problem was validated
     * @param problem the problem's name
     * @param metrics metric name to value, sorted by name
     */
    default void onValidation(int globalStep, String problem, Map<String, Double> metrics) {}

    /** After the last global step, before the problems' managers are closed. */
    default void onRunEnd(Engine engine) {}
}
