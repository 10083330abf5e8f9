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
import org.betty4j.runtime.hypergrad.BestResponseJacobian;
import org.betty4j.runtime.optim.Optimizer;

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
    final BestResponseJacobian jacobian;
    /** Lower problem name -> has it signalled since this problem last stepped. */
    final Map<String, Boolean> ready = new LinkedHashMap<>();
    Batch lastBatch;
    int localSteps;

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

    void replaceBatch(Batch batch) {
        if (lastBatch != null) {
            lastBatch.close();
        }
        lastBatch = batch;
    }

    @Override
    public void close() {
        if (lastBatch != null) {
            lastBatch.close();
            lastBatch = null;
        }
        manager.close();
    }
}
