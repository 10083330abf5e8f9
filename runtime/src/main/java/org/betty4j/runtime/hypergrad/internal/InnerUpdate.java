package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.util.List;

/**
 * One update of a problem as the engine runs it, handed to the problem's method
 * ({@link BestResponseJacobian#update}), which runs its three parts in order and may observe
 * the arrays between them. Runs with gradient recording off.
 */
public interface InnerUpdate {

    String problem();

    /** The names of {@link #parameters()}, in order. */
    List<String> parameterNames();

    /** The problem's live parameters. */
    NDList parameters();

    /** The gradient of this step, as computed (before accumulation, clipping and hooks). */
    NDList gradient();

    /** The update the optimizer will apply (the hooks may change it in place). */
    NDList update();

    int localStep();

    int globalStep();

    /** The optimizer's learning rate for this update. */
    double learningRate();

    /** The 1-based index of this update in the optimizer's life. */
    int updateIndex();

    /** The batch this update was computed on (the problem's last batch). */
    Batch batch();

    /** The problem's cost on {@code batch} at the live parameters, with a gradient graph when recording is on. */
    NDArray cost(Batch batch);

    /** A manager freed when the step ends. */
    NDManager stepManager();

    /** Runs the problem's {@code afterGradients} hook on the parameters and the update, then checks the update. */
    void afterGradients();

    /** Applies the optimizer's update to the parameters. */
    void step();

    /** Runs the problem's {@code afterUpdate} hook. */
    void afterUpdate();
}
