package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.betty4j.runtime.optim.Optimizer;

/**
 * What a method may hold on to for a run (see {@link BestResponseJacobian#attach}).
 *
 * @param manager the problem's long-lived manager (a method's own arrays live in sub-managers of it)
 * @param optimizer the problem's optimizer
 * @param lowersParameters the live parameters of the problems whose optimum this problem's cost
 *     reads; they move while this problem's inner loop runs
 */
public record ProblemBinding(NDManager manager, Optimizer optimizer, NDList lowersParameters) {}
