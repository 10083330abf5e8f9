package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What every rule-based optimizer holds: its rule, the state arrays per parameter and the
 * update count; applies the rule in place. Sgd and Adam differ only in their rule.
 */
final class RuleState {

    private final UpdateRule rule;
    /** {@code state.get(k).get(i)}: state array k of parameter i. */
    private final List<List<NDArray>> state = new ArrayList<>();
    private int updates;

    RuleState(UpdateRule rule) {
        this.rule = rule;
        for (int k = 0; k < rule.stateArrays(); k++) {
            state.add(new ArrayList<>());
        }
    }

    int updates() {
        return updates;
    }

    /** One update of every parameter with {@code rate}; state arrays live in {@code stateManager}. */
    void step(NDList params, NDList grads, NDManager stateManager, float rate) {
        Optimizers.checkSameShapes(params, grads);
        updates++;
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            NDList before = new NDList(state.size());
            for (List<NDArray> k : state) {
                if (k.size() <= i) {
                    k.add(stateManager.zeros(p.getShape(), p.getDataType()));
                }
                before.add(k.get(i));
            }
            // every array the rule creates, wherever its first operand put it, is closed with the
            // scope, except the new state, kept in stateManager; the operands are left as they are
            try (NDScope scope = new NDScope()) {
                NDList out = rule.apply(p, grads.get(i), before, rate, updates);
                for (int k = 0; k < state.size(); k++) {
                    NDArray next = out.get(1 + k);
                    NDScope.unregister(next);
                    next.attach(stateManager);
                    state.get(k).set(i, next);
                }
                p.subi(out.get(0));
            }
            for (int k = 0; k < state.size(); k++) {
                if (state.get(k).get(i) != before.get(k)) {
                    before.get(k).close();
                }
            }
        }
    }

    /** The live state arrays of {@code params}, state array k of parameter i at {@code k·n + i}. */
    NDList live(NDList params, NDManager stateManager) {
        NDList out = new NDList(state.size() * params.size());
        for (List<NDArray> k : state) {
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                if (k.size() <= i) {
                    k.add(stateManager.zeros(p.getShape(), p.getDataType()));
                }
                out.add(k.get(i));
            }
        }
        return out;
    }

    /** Counts an update applied to the arrays of {@link #live} in place. */
    void countInPlace() {
        updates++;
    }

    /**
     * Copies, in {@code manager}, of the state the next update of {@code params} reads, state
     * array k of parameter i at {@code k·n + i} (zeros before the first update).
     */
    NDList copies(NDList params, NDManager manager) {
        NDList out = new NDList(state.size() * params.size());
        for (List<NDArray> k : state) {
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                NDArray copy = k.size() > i ? k.get(i).duplicate() : manager.zeros(p.getShape(), p.getDataType());
                copy.attach(manager);
                out.add(copy);
            }
        }
        return out;
    }

    /** Writes the update count, then each state array list, as the optimizers always have. */
    void save(DataOutputStream out) throws IOException {
        out.writeInt(updates);
        for (List<NDArray> k : state) {
            OptimizerState.writeArrays(out, k);
        }
    }

    void load(DataInputStream in, NDManager stateManager) throws IOException {
        updates = in.readInt();
        for (List<NDArray> k : state) {
            OptimizerState.readArrays(in, stateManager, k);
        }
    }
}
