package org.betty4j.example.noisy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;

/**
 * An MLP 1-hidden-1 with a sigmoid mapping a sample's loss to a number in (0, 1): the sample's
 * weight (reweighting) or its trust in the given label (correction). The output layer's weight
 * starts at zero and its bias at {@code initialLogit}, so every sample starts at
 * {@code sigmoid(initialLogit)} whatever the seed: no random start can already discard the hard
 * samples before the meta gradient has said anything.
 */
public final class ScalarNet {

    private final SequentialBlock net;
    private final ParameterStore store;

    public ScalarNet(NDManager manager, int hidden, float initialLogit, DataType dataType) {
        Linear output = Linear.builder().setUnits(1).build();
        output.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
        output.setInitializer(new ConstantInitializer(initialLogit), Parameter.Type.BIAS);
        net = new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.reluBlock())
                .add(output)
                .add(Activation.sigmoidBlock());
        net.initialize(manager, dataType, new Shape(1, 1));
        store = new ParameterStore(manager, false);
    }

    public SequentialBlock block() {
        return net;
    }

    /** {@code inputs} shape (batch), result (batch). */
    public NDArray apply(NDArray inputs) {
        return net.forward(store, new NDList(inputs.reshape(-1, 1)), true).singletonOrThrow().reshape(-1);
    }

    /** The function at a few points, for printing. */
    public float[] at(NDManager manager, float... inputs) {
        return apply(manager.create(inputs)).toFloatArray();
    }
}
