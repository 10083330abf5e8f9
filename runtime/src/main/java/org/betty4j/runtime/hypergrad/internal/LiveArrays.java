package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.betty4j.runtime.autograd.GradMode;

/**
 * The live arrays reverse-mode through an unroll moves to each recorded step's values (a
 * problem's parameters and the varying arrays its cost reads), restored to their values on
 * entry when closed. Values are set in place, so the arrays keep their identity.
 */
final class LiveArrays implements AutoCloseable {

    private final NDList params;
    private final NDList varying;
    private final NDList savedParams;
    private final NDList savedVarying;

    LiveArrays(NDList params, NDList varying, NDManager manager) {
        this.params = params;
        this.varying = varying;
        this.savedParams = Vectors.copy(params, manager);
        this.savedVarying = Vectors.copy(varying, manager);
    }

    void setTo(RecordedStep step) {
        set(params, step.paramsBefore());
        set(varying, step.varyingBefore());
    }

    private static void set(NDList live, NDList values) {
        if (live.size() != values.size()) {
            throw new IllegalStateException("a recorded step holds " + values.size() + " arrays for " + live.size()
                    + " live ones");
        }
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < live.size(); i++) {
                live.get(i).muli(0).addi(values.get(i));
            }
        }
    }

    @Override
    public void close() {
        set(params, savedParams);
        set(varying, savedVarying);
        savedParams.close();
        savedVarying.close();
    }
}
