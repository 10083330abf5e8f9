package org.betty4j.example.model;

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
import ai.djl.training.initializer.Initializer;
import org.betty4j.runtime.autograd.MixedPrecision;

/**
 * A Meta-Weight-Net (Shu et al. 2019): an MLP 1-hidden-1 with a sigmoid that maps a sample's
 * loss to its weight.
 *
 * <p>The output layer starts at zero, so every sample starts with weight sigmoid(0) = 0.5
 * whatever the seed: a random start can already be a steeply decreasing weight function, which
 * starves the classifier of its hard (tail-class) samples before the meta gradient can correct
 * it (seen with seed 4 of the reweighting job: test accuracy 19%).
 */
public final class WeightNet {

    private final SequentialBlock net;
    private final ParameterStore store;
    private final DataType computeType;

    public WeightNet(NDManager manager, int hidden) {
        this(manager, hidden, DataType.FLOAT32);
    }

    /** In the given floating precision. */
    public WeightNet(NDManager manager, int hidden, DataType dataType) {
        this(manager, hidden, dataType, DataType.FLOAT32);
    }

    /** With the linear layers computed in {@code computeType} (mixed precision). */
    public WeightNet(NDManager manager, int hidden, DataType dataType, DataType computeType) {
        this.computeType = computeType;
        Linear output = Linear.builder().setUnits(1).build();
        output.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
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

    /** The weight of each sample from its loss; {@code losses} shape (batch), result (batch). */
    public NDArray weights(NDArray losses) {
        NDArray column = losses.reshape(-1, 1);
        NDArray out = computeType == DataType.FLOAT32 ? net.forward(store, new NDList(column), true).singletonOrThrow()
                : MixedPrecision.forward(net, store, column, true, computeType);
        return out.reshape(-1);
    }
}
