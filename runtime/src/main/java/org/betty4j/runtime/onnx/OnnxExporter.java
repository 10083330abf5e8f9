package org.betty4j.runtime.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Writes a trained DJL network as a standard {@code .onnx} file (opset 13, float32) that ONNX
 * Runtime, or any other ONNX consumer, runs with the trained parameters.
 *
 * <p>Supported: {@link SequentialBlock}s (nested too) of {@link Linear} (Gemm, on
 * {@code (batch, features)} inputs), {@code Activation.reluBlock/sigmoidBlock/tanhBlock/softPlusBlock}
 * (Relu, Sigmoid, Tanh, Softplus), {@code Blocks.batchFlattenBlock} (Flatten) and
 * {@code Blocks.identityBlock}. A parameterless lambda added without a name, such as
 * {@code add(Activation::sigmoid)}, is recognised by evaluating it on probe values of the layer's
 * input shape and comparing with ReLU, sigmoid and tanh (to 1e-6); anything else is an
 * {@link UnsupportedLayerException} naming the layer.
 *
 * <p>The model has one input {@value #INPUT} and one output {@value #OUTPUT}; their first
 * dimension is a free batch axis, the others are those of {@code inputShape} and of the
 * network's output for it.
 *
 * <pre>{@code
 * OnnxExporter.export(net, new Shape(1, 784), Path.of("classifier.onnx"));
 * }</pre>
 */
public final class OnnxExporter {

    /** The ONNX opset the exported models import (default domain). */
    public static final int OPSET = 13;
    /** ONNX IR version 8 goes with opset 13. */
    static final long IR_VERSION = 8;
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private static final String SUPPORTED = "supported: Linear on (batch, features) inputs, ReLU, sigmoid, Tanh,"
            + " softPlus, batchFlatten, identity, nested SequentialBlock";
    private static final float PROBE_TOLERANCE = 1e-6f;

    private final ONNXContext ctx = new ONNXContext();
    private final String modelName;
    private int linearCount;

    private OnnxExporter(String modelName) {
        this.modelName = modelName;
    }

    /**
     * Writes {@code block} to {@code file} (parent directories are created).
     *
     * @param inputShape the shape the network was initialised with, batch axis first (any batch size)
     * @return {@code file}
     */
    public static Path export(Block block, Shape inputShape, Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        OnnxMl.ModelProto model = toModel(block, inputShape, name);
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                model.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ONNX model " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** The ONNX model of {@code block}, named {@code modelName}. */
    public static OnnxMl.ModelProto toModel(Block block, Shape inputShape, String modelName) {
        if (!block.isInitialized()) {
            throw new IllegalStateException("cannot export " + modelName + ": its block is not initialized; call"
                    + " block.initialize(manager, DataType.FLOAT32, inputShape) (or train it) first");
        }
        if (inputShape.dimension() < 2) {
            throw new IllegalArgumentException("cannot export " + modelName + ": input shape " + inputShape
                    + " needs a batch axis and at least one feature axis, e.g. (1, 784)");
        }
        return new OnnxExporter(modelName).build(block, inputShape);
    }

    private OnnxMl.ModelProto build(Block block, Shape inputShape) {
        ctx.setName(modelName);
        ONNXPlaceholder input = ctx.floatInput(INPUT, 1);
        Layer out = translate(block, modelName, new Layer(input, inputShape));
        ONNXPlaceholder output = ctx.floatOutput(OUTPUT, 1);
        out.value().assignTo(output);
        OnnxMl.GraphProto graph = ctx.buildGraph().toBuilder()
                .setInput(0, valueInfo(INPUT, inputShape))
                .setOutput(0, valueInfo(OUTPUT, out.shape()))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("betty4j")
                .setModelVersion(1)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    /** An intermediate value of the graph and its shape (batch axis first). */
    private record Layer(ONNXRef<?> value, Shape shape) {}

    private Layer translate(Block block, String where, Layer in) {
        if (block instanceof SequentialBlock seq) {
            Layer current = in;
            for (Pair<String, Block> child : seq.getChildren()) {
                current = translate(child.getValue(), where + "/" + child.getKey(), current);
            }
            return current;
        }
        Shape outShape = block.getOutputShapes(new Shape[] {in.shape()})[0];
        if (block instanceof Linear linear) {
            return new Layer(gemm(linear, where, in), outShape);
        }
        if (block instanceof LambdaBlock lambda) {
            return new Layer(lambdaNode(lambda, where, in), outShape);
        }
        throw new UnsupportedLayerException("cannot export layer " + where + " of " + modelName + ": block type "
                + block.getClass().getName() + " is not supported (" + SUPPORTED + ")");
    }

    private ONNXRef<?> gemm(Linear linear, String where, Layer in) {
        if (in.shape().dimension() != 2) {
            throw new UnsupportedLayerException("cannot export layer " + where + " of " + modelName
                    + ": Linear receives a rank-" + in.shape().dimension() + " input " + in.shape()
                    + "; only (batch, features) inputs are exported: add Blocks.batchFlattenBlock() before it");
        }
        int index = linearCount++;
        List<ONNXRef<?>> operands = new ArrayList<>();
        operands.add(in.value());
        operands.add(initializer("linear" + index + "_weight", parameter(linear, "weight", where)));
        if (linear.getParameters().contains("bias")) {
            operands.add(initializer("linear" + index + "_bias", parameter(linear, "bias", where)));
        }
        // DJL's Linear computes x W^T + b with W of shape (units, inputs)
        return ctx.operation(ONNXOperators.GEMM, operands, "linear" + index, Map.of("transB", 1));
    }

    private ONNXRef<?> lambdaNode(LambdaBlock lambda, String where, Layer in) {
        String name = lambda.getName();
        ONNXOperator op = switch (name) {
            case "ReLU" -> ExtraOperators.RELU;
            case "sigmoid" -> ONNXOperators.SIGMOID;
            case "Tanh" -> ExtraOperators.TANH;
            case "softPlus" -> ExtraOperators.SOFTPLUS;
            case "identity" -> ONNXOperators.IDENTITY;
            case "batchFlatten" -> ExtraOperators.FLATTEN;
            case LambdaBlock.DEFAULT_NAME -> probe(lambda, where, in.shape());
            default -> throw new UnsupportedLayerException("cannot export layer " + where + " of " + modelName
                    + ": lambda block '" + name + "' is not supported (" + SUPPORTED + ")");
        };
        Map<String, Object> attributes = op == ExtraOperators.FLATTEN ? Map.of("axis", 1) : Map.of();
        return ctx.operation(op, List.of(in.value()), name.toLowerCase(java.util.Locale.ROOT), attributes);
    }

    /** Recognises an unnamed element-wise activation by its values on probe inputs. */
    private ONNXOperator probe(LambdaBlock lambda, String where, Shape inShape) {
        Shape probeShape = new Shape(1).addAll(inShape.slice(1));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange((float) probeShape.size()).mul(0.37f).sin().mul(4f).reshape(probeShape);
            NDArray y = lambda.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            if (y.getShape().equals(probeShape) && y.getDataType() == DataType.FLOAT32) {
                List<Pair<ONNXOperator, UnaryOperator<NDArray>>> candidates = List.of(
                        new Pair<>(ExtraOperators.RELU, Activation::relu),
                        new Pair<>(ONNXOperators.SIGMOID, Activation::sigmoid),
                        new Pair<>(ExtraOperators.TANH, Activation::tanh));
                for (Pair<ONNXOperator, UnaryOperator<NDArray>> c : candidates) {
                    if (y.allClose(c.getValue().apply(x), 0, PROBE_TOLERANCE, false)) {
                        return c.getKey();
                    }
                }
            }
        } catch (RuntimeException e) {
            // not element-wise on this shape: reported below
        }
        throw new UnsupportedLayerException("cannot export layer " + where + " of " + modelName
                + ": an unnamed lambda block that is not ReLU, sigmoid or tanh (" + SUPPORTED
                + "); use a named block such as Activation.reluBlock()");
    }

    private static NDArray parameter(Block block, String name, String where) {
        Parameter p = block.getParameters().get(name);
        if (p == null || !p.isInitialized()) {
            throw new IllegalStateException("cannot export layer " + where + ": parameter '" + name
                    + "' is missing or not initialized");
        }
        return p.getArray();
    }

    private ONNXRef<?> initializer(String name, NDArray array) {
        float[] values = switch (array.getDataType()) {
            case FLOAT32 -> array.toFloatArray();
            case FLOAT64 -> toFloats(array.toDoubleArray());
            default -> throw new UnsupportedLayerException("cannot export parameter " + name + " of " + modelName
                    + ": element type " + array.getDataType() + " (float32 or float64 expected)");
        };
        List<Integer> dims = new ArrayList<>();
        for (long d : array.getShape().getShape()) {
            dims.add(Math.toIntExact(d));
        }
        return ctx.floatTensor(name, dims, buffer -> buffer.put(values));
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** A float32 tensor declaration whose first dimension is the free batch axis. */
    private static OnnxMl.ValueInfoProto valueInfo(String name, Shape shape) {
        OnnxMl.TensorShapeProto.Builder dims = OnnxMl.TensorShapeProto.newBuilder();
        dims.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int i = 1; i < shape.dimension(); i++) {
            dims.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(shape.get(i)));
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(dims)))
                .build();
    }
}
