package org.betty4j.example.darts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.ParameterList;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.betty4j.runtime.problem.ParameterLists;

/**
 * A DARTS-style network for flattened images: a stem {@code relu(x W + b)} to {@code width}
 * features, one cell, and a linear head. The cell is a DAG over node 0 (the stem's output) and
 * {@value #NODES} intermediate nodes; node {@code j} is the mean over {@code i < j} of the
 * operation on edge {@code (i, j)} applied to node {@code i}; the head reads the mean of the
 * intermediate nodes. Every edge holds its own weights for each parametrized operation.
 * (Means, not DARTS's sums: this cell has no batch normalization, and with sums a cell of
 * identities multiplies the stem's features by 7, which made retraining at the search's
 * learning rate diverge to near-chance accuracy.)
 *
 * <p>In the search, an edge applies the softmax-weighted mixture of all {@link Op}s (its
 * architecture parameters: one row of {@code alpha}); after the search, one operation per edge.
 */
public final class CellNetwork {

    /** The candidate operations of an edge. */
    public enum Op {
        ZERO, IDENTITY, LINEAR_RELU, LINEAR_TANH;

        public static final int COUNT = values().length;
    }

    /** Intermediate nodes of the cell. */
    public static final int NODES = 3;
    /** Edges (i, j), i < j, in the order (0,1), (0,2), (1,2), (0,3), (1,3), (2,3). */
    public static final int EDGES = NODES * (NODES + 1) / 2;

    private final NDArray stemW;
    private final NDArray stemB;
    private final NDArray[] reluW = new NDArray[EDGES];
    private final NDArray[] reluB = new NDArray[EDGES];
    private final NDArray[] tanhW = new NDArray[EDGES];
    private final NDArray[] tanhB = new NDArray[EDGES];
    private final NDArray headW;
    private final NDArray headB;
    private final NDList all = new NDList();

    private CellNetwork(NDManager manager, int inputs, int width, int classes, Random random, DataType dataType) {
        stemW = gaussian(manager, random, new Shape(inputs, width), Math.sqrt(2.0 / inputs), dataType);
        stemB = manager.zeros(new Shape(width), dataType);
        for (int e = 0; e < EDGES; e++) {
            reluW[e] = gaussian(manager, random, new Shape(width, width), Math.sqrt(2.0 / width), dataType);
            reluB[e] = manager.zeros(new Shape(width), dataType);
            tanhW[e] = gaussian(manager, random, new Shape(width, width), Math.sqrt(1.0 / width), dataType);
            tanhB[e] = manager.zeros(new Shape(width), dataType);
        }
        headW = gaussian(manager, random, new Shape(width, classes), Math.sqrt(1.0 / width), dataType);
        headB = manager.zeros(new Shape(classes), dataType);
        all.add(stemW);
        all.add(stemB);
        for (int e = 0; e < EDGES; e++) {
            all.add(reluW[e]);
            all.add(reluB[e]);
            all.add(tanhW[e]);
            all.add(tanhB[e]);
        }
        all.add(headW);
        all.add(headB);
        for (NDArray a : all) {
            a.setRequiresGradient(true);
        }
    }

    /** A network with freshly drawn weights (He-normal for ReLU layers, 1/√fan-in otherwise), zero biases. */
    public static CellNetwork create(NDManager manager, int inputs, int width, int classes, Random random,
            DataType dataType) {
        return new CellNetwork(manager, inputs, width, classes, random, dataType);
    }

    private static NDArray gaussian(NDManager manager, Random random, Shape shape, double std, DataType dataType) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return manager.create(v, shape).toType(dataType, false);
    }

    /** Logits with every edge the mixture {@code Σ_o softmax(alpha[e])_o · o(x)}; alpha (EDGES, Op.COUNT). */
    public NDArray mixedLogits(NDArray images, NDArray alpha) {
        NDArray p = alpha.softmax(1);
        return forward(images, (e, x) -> {
            NDArray mixed = x.mul(p.get(e + "," + Op.IDENTITY.ordinal()));
            mixed = mixed.add(apply(Op.LINEAR_RELU, e, x).mul(p.get(e + "," + Op.LINEAR_RELU.ordinal())));
            return mixed.add(apply(Op.LINEAR_TANH, e, x).mul(p.get(e + "," + Op.LINEAR_TANH.ordinal())));
        });
    }

    /** Logits with one operation per edge. */
    public NDArray discreteLogits(NDArray images, Op[] ops) {
        if (ops.length != EDGES) {
            throw new IllegalArgumentException("an architecture has " + EDGES + " edges; got " + ops.length + " ops");
        }
        return forward(images, (e, x) -> ops[e] == Op.ZERO ? null : apply(ops[e], e, x));
    }

    private interface EdgeFn {
        /** The edge's output, or null for zero. */
        NDArray apply(int edge, NDArray input);
    }

    private NDArray forward(NDArray images, EdgeFn edge) {
        List<NDArray> nodes = new ArrayList<>();
        nodes.add(Activation.relu(images.matMul(stemW).add(stemB)));
        int e = 0;
        NDArray out = null;
        for (int j = 1; j <= NODES; j++) {
            NDArray node = null;
            for (int i = 0; i < j; i++, e++) {
                NDArray y = edge.apply(e, nodes.get(i));
                if (y != null) {
                    node = node == null ? y : node.add(y);
                }
            }
            node = node == null ? nodes.get(0).zerosLike() : node.div(j);
            nodes.add(node);
            out = out == null ? node : out.add(node);
        }
        return out.div(NODES).matMul(headW).add(headB);
    }

    private NDArray apply(Op op, int e, NDArray x) {
        return switch (op) {
            case ZERO -> x.zerosLike();
            case IDENTITY -> x;
            case LINEAR_RELU -> Activation.relu(x.matMul(reluW[e]).add(reluB[e]));
            case LINEAR_TANH -> x.matMul(tanhW[e]).add(tanhB[e]).tanh();
        };
    }

    /** Every weight array, in a fixed order. */
    public NDList arrays() {
        return all;
    }

    public ParameterList parameters() {
        Object[] pairs = new Object[2 * all.size()];
        for (int i = 0; i < all.size(); i++) {
            pairs[2 * i] = "w" + i;
            pairs[2 * i + 1] = all.get(i);
        }
        return ParameterLists.of(pairs);
    }

    /** {@code "(0,1) linear_relu, (0,2) identity, ..."}. */
    public static String describe(Op[] ops) {
        StringBuilder s = new StringBuilder();
        int e = 0;
        for (int j = 1; j <= NODES; j++) {
            for (int i = 0; i < j; i++, e++) {
                s.append(e == 0 ? "" : ", ").append('(').append(i).append(',').append(j).append(") ")
                        .append(ops[e].name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return s.toString();
    }
}
