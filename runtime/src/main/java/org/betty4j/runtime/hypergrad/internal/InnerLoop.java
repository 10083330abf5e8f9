package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * The updates a problem has taken since its inner loop started, recorded by the engine for
 * ITD_RMAD, and how to differentiate through them.
 *
 * @param optimizer the update rule of the problem's optimizer
 * @param varying live arrays, besides the problem's own parameters, that its cost reads and
 *     that changed during the loop (see {@link RecordedStep#varyingBefore()})
 * @param steps the recorded updates, oldest first
 */
public record InnerLoop(UnrolledOptimizer optimizer, NDList varying, List<RecordedStep> steps) {}
