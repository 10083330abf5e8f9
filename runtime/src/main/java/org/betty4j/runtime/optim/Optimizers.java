package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDList;

final class Optimizers {

    private Optimizers() {}

    static void checkSameShapes(NDList params, NDList grads) {
        if (params.size() != grads.size()) {
            throw new IllegalArgumentException(
                    "optimizer step: " + params.size() + " parameters but " + grads.size() + " gradients");
        }
        for (int i = 0; i < params.size(); i++) {
            if (!params.get(i).getShape().equals(grads.get(i).getShape())) {
                throw new IllegalArgumentException("optimizer step: parameter " + i + " has shape "
                        + params.get(i).getShape() + " but its gradient " + grads.get(i).getShape());
            }
        }
    }
}
