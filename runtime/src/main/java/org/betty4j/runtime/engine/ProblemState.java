package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.dataset.Batch;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.hypergrad.internal.BestResponseJacobian;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.problem.Trainable;

/** The engine's mutable state of one problem during a run. */
final class ProblemState implements AutoCloseable {

    final ProblemNode node;
    final NDManager manager;
    /** Optimizer state (momentum, moments): outlives steps. */
    final NDManager optimizerState;
    final NDList params;
    final List<String> paramNames;
    final Optimizer optimizer;
    final BatchSource data;
    /** The problem's hypergradient method, run through its lifecycle by the engine. */
    final BestResponseJacobian jacobian;
    /** This problem as the reverse accumulation sees it (set by the engine). */
    org.betty4j.runtime.hypergrad.internal.ReverseAccumulation.Node asNode;
    /** Lower problem name -> has it signalled since this problem last stepped. */
    final Map<String, Boolean> ready = new LinkedHashMap<>();
    Batch lastBatch;
    int localSteps;
    int skippedSteps;
    /** Dynamic loss scaling under FLOAT16 mixed precision; null otherwise. */
    org.betty4j.runtime.optim.LossScaler scaler;
    /** What the finite guard last saw of this problem's parameters. */
    final FiniteGuard.Memory guardMemory = new FiniteGuard.Memory();
    /** Whether the problem's trainable overrides {@code afterGradients} (which may change the update). */
    final boolean hasAfterGradients;
    /** Running mean of the gradients of an update being accumulated; null when none. */
    private NDList accumulated;
    private int accumulatedSteps;

    ProblemState(ProblemNode node, NDManager manager, BestResponseJacobian jacobian, List<String> lowers) {
        this.node = node;
        this.manager = manager;
        this.optimizerState = manager.newSubManager();
        this.jacobian = jacobian;
        this.optimizer = require(node.trainable().optimizer(), "optimizer()");
        this.data = require(node.trainable().data(), "data()");
        this.params = new NDList();
        this.paramNames = new java.util.ArrayList<>();
        for (Pair<String, Parameter> p : require(node.trainable().parameters(), "parameters()")) {
            NDArray array = p.getValue().getArray();
            if (!array.hasGradient()) {
                throw new IllegalStateException(node.name() + ": parameter '" + p.getKey()
                        + "' does not require gradients; initialize the block (Block.initialize) or call "
                        + "setRequiresGradient(true) on the array in setUp");
            }
            params.add(array);
            paramNames.add(p.getKey());
        }
        if (params.isEmpty()) {
            throw new IllegalStateException(node.name() + ": parameters() is empty; a problem must optimize something");
        }
        lowers.forEach(l -> ready.put(l, false));
        this.hasAfterGradients = overrides(node.trainable(), "afterGradients", NDList.class, NDList.class);
    }

    /** Whether {@code trainable}'s class replaces {@link Trainable}'s default {@code method}. */
    static boolean overrides(Trainable trainable, String method, Class<?>... parameterTypes) {
        try {
            return trainable.getClass().getMethod(method, parameterTypes).getDeclaringClass() != Trainable.class;
        } catch (NoSuchMethodException e) {
            return true; // cannot tell: assume it does
        }
    }

    private <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalStateException(node.name() + ": " + what + " returned null after setUp");
        }
        return value;
    }

    boolean allLowersReady() {
        return !ready.containsValue(false);
    }

    /**
     * Adds one step's gradients to the update being accumulated. Returns the update when
     * {@code every} steps have been added (gradients averaged), else null.
     */
    NDList accumulate(NDList grads, int every) {
        if (every == 1) {
            if (!changesUpdateInPlace()) {
                // nothing writes to the update: the optimizer only reads it
                return grads;
            }
            // own, contiguous copies: autograd may return broadcast views that forbid in-place
            // changes (clipping, afterGradients), and ITD_RMAD compares the update with the
            // gradient to see whether afterGradients changed it
            NDList copies = new NDList(grads.size());
            for (NDArray g : grads) {
                copies.add(g.mul(1)); // a dense result even for a broadcast view (clone keeps strides)
            }
            return copies;
        }
        if (accumulated == null) {
            accumulated = new NDList(grads.size());
            for (NDArray g : grads) {
                accumulated.add(optimizerState.zeros(g.getShape(), g.getDataType()));
            }
        }
        for (int i = 0; i < grads.size(); i++) {
            try (NDArray scaled = grads.get(i).div(every)) {
                accumulated.get(i).addi(scaled);
            }
        }
        accumulatedSteps++;
        return accumulatedSteps == every ? accumulated : null;
    }

    /** Whether something changes an update in place before the optimizer reads it: clipping or afterGradients. */
    boolean changesUpdateInPlace() {
        return hasAfterGradients || node.clipGradNorm() > 0;
    }

    private NDManager rollBackCache;
    private NDList cachedParams;
    private byte[] cachedOptimizer;

    /** Copies parameters and optimizer state, to return to them after the uppers step. */
    void cacheForRollBack() {
        if (rollBackCache != null) {
            rollBackCache.close();
        }
        rollBackCache = manager.newSubManager();
        try (org.betty4j.runtime.autograd.GradMode off = org.betty4j.runtime.autograd.GradMode.disabled()) {
            cachedParams = org.betty4j.runtime.hypergrad.internal.Vectors.copy(params, rollBackCache);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            optimizer.saveState(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException(node.name() + ": roll-back needs the optimizer's state: " + e.getMessage(), e);
        }
        cachedOptimizer = bytes.toByteArray();
    }

    /** Returns parameters and optimizer state to the last {@link #cacheForRollBack()}. */
    void restoreRollBack() {
        try (org.betty4j.runtime.autograd.GradMode off = org.betty4j.runtime.autograd.GradMode.disabled()) {
            for (int i = 0; i < params.size(); i++) {
                params.get(i).set(cachedParams.get(i).toByteBuffer());
            }
        }
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(cachedOptimizer))) {
            optimizer.loadState(in, optimizerState);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    NDList accumulatedOrNull() {
        return accumulated;
    }

    int accumulatedSteps() {
        return accumulatedSteps;
    }

    /** Restores accumulation state from a checkpoint (arrays are copied into this state's manager). */
    void restoreAccumulated(NDList saved, int steps) {
        accumulated = null;
        if (!saved.isEmpty()) {
            accumulated = new NDList(saved.size());
            for (NDArray a : saved) {
                NDArray copy = optimizerState.zeros(a.getShape(), a.getDataType());
                copy.set(a.toByteBuffer());
                accumulated.add(copy);
            }
        }
        accumulatedSteps = steps;
    }

    void clearAccumulated() {
        if (accumulated != null) {
            for (NDArray a : accumulated) {
                a.muli(0);
            }
        }
        accumulatedSteps = 0;
    }

    void replaceBatch(Batch batch) {
        if (lastBatch != null && !jacobian.holds(lastBatch)) {
            lastBatch.close();
        }
        lastBatch = batch;
    }

    @Override
    public void close() {
        if (rollBackCache != null) {
            rollBackCache.close();
            rollBackCache = null;
        }
        jacobian.release(lastBatch);
        if (lastBatch != null) {
            lastBatch.close();
            lastBatch = null;
        }
        manager.close();
    }
}
