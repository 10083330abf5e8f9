package org.betty4j.runtime.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A frozen forward computation: an {@code .onnx} model run by ONNX Runtime, with DJL arrays
 * in and out. Outputs are fresh arrays with no gradient (the model is a constant to the
 * problem that uses it). Created once, e.g. in a problem's {@code setUp}; closed with the
 * engine when built with {@code optCloseWith(context.manager())}.
 *
 * <p>ONNX Runtime uses its CUDA execution provider when a usable NVIDIA GPU is present, else the
 * CPU one; one log line says which and why. Inputs are checked against the model's declared
 * inputs (names, element types, fixed dimensions) before ONNX Runtime sees them; a large input
 * whose model declares a free batch axis is run in batches of {@code optBatchSize}.
 *
 * <pre>{@code
 * extractor = OnnxSession.builder(Path.of("extractor.onnx")).optCloseWith(context.manager()).build();
 * NDArray features = extractor.run(batchManager, images);   // no gradient
 * }</pre>
 */
public final class OnnxSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxSession.class);

    private final Path path;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ExecutionProvider provider;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final int batchSize;
    private final NDManager closeWith;
    private final String resourceId = "onnx-session-" + UUID.randomUUID();
    private boolean closed;

    private OnnxSession(Builder b) {
        this.path = b.path;
        this.batchSize = b.batchSize;
        checkReadable(path);
        this.env = OrtEnvironment.getEnvironment();
        ExecutionProvider.Choice choice;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (b.intraOpThreads > 0) {
                options.setIntraOpNumThreads(b.intraOpThreads);
            }
            choice = ExecutionProvider.choose(options, b.preference, b.driverFile);
            this.session = env.createSession(path.toString(), options);
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime cannot load model " + path + ": " + e.getMessage()
                    + " (is it an .onnx file written for opset <= " + OnnxExporter.OPSET + "?)", e);
        }
        this.provider = choice.provider();
        try {
            this.inputs = specs(session.getInputInfo());
            this.outputs = specs(session.getOutputInfo());
        } catch (OrtException | RuntimeException e) {
            closeQuietly();
            throw e instanceof OnnxModelException m ? m
                    : new OnnxModelException("model " + path + ": cannot read its declared inputs/outputs: "
                            + e.getMessage(), e);
        }
        LOG.info("ONNX Runtime {}: {} runs on the {} execution provider ({})", env.getVersion(), path.getFileName(),
                provider, choice.reason());
        this.closeWith = b.closeWith;
        if (closeWith != null) {
            closeWith.attachInternal(resourceId, this);
        }
    }

    /** A session on {@code model} with the defaults (best provider, batches of 1024). */
    public static OnnxSession open(Path model) {
        return builder(model).build();
    }

    public static Builder builder(Path model) {
        return new Builder(model);
    }

    public Path path() {
        return path;
    }

    /** The execution provider running this session. */
    public ExecutionProvider provider() {
        return provider;
    }

    /** The model's declared inputs, in the order {@link #run(NDManager, NDList)} takes them. */
    public List<TensorSpec> inputs() {
        return inputs;
    }

    /** The model's declared outputs, in the order {@link #run(NDManager, NDList)} returns them. */
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /** The only output of a one-input, one-output model; the result lives in {@code manager}. */
    public NDArray run(NDManager manager, NDArray input) {
        if (outputs.size() != 1) {
            throw new OnnxModelException("model " + path + " declares " + outputs.size() + " outputs " + outputs
                    + "; run(manager, input) needs a model with exactly one output: use run(manager, inputs)"
                    + " and pick the output by position");
        }
        return run(manager, new NDList(input)).singletonOrThrow();
    }

    /**
     * Every declared output, in declared order, for the declared inputs given in declared
     * order. Results live in {@code manager} and carry no gradient.
     */
    public NDList run(NDManager manager, NDList in) {
        checkOpen();
        checkInputs(in);
        long n = in.isEmpty() ? 0 : in.get(0).getShape().get(0);
        if (!batchable() || n <= batchSize) {
            return runOnce(manager, in);
        }
        List<NDList> parts = new ArrayList<>();
        try (NDManager scratch = manager.newSubManager()) {
            for (long start = 0; start < n; start += batchSize) {
                long end = Math.min(n, start + batchSize);
                NDList chunk = new NDList();
                for (NDArray a : in) {
                    chunk.add(a.get(start + ":" + end));
                }
                parts.add(runOnce(scratch, chunk));
                chunk.close();
            }
            NDList joined = new NDList();
            for (int o = 0; o < outputs.size(); o++) {
                NDList pieces = new NDList();
                for (NDList p : parts) {
                    pieces.add(p.get(o));
                }
                NDArray all = NDArrays.concat(pieces, 0);
                all.attach(manager);
                joined.add(all);
            }
            return joined;
        }
    }

    private boolean batchable() {
        return inputs.stream().allMatch(TensorSpec::hasFreeBatchAxis)
                && outputs.stream().allMatch(TensorSpec::hasFreeBatchAxis);
    }

    private NDList runOnce(NDManager manager, NDList in) {
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (int i = 0; i < inputs.size(); i++) {
                feed.put(inputs.get(i).name(), toOnnx(inputs.get(i), in.get(i)));
            }
            try (OrtSession.Result result = session.run(feed)) {
                NDList out = new NDList();
                for (int o = 0; o < outputs.size(); o++) {
                    out.add(toDjl(manager, outputs.get(o), result.get(o)));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime failed to run model " + path + " on inputs "
                    + describe(in) + ": " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private void checkInputs(NDList in) {
        if (in.size() != inputs.size()) {
            throw new IllegalArgumentException("model " + path + " declares " + inputs.size() + " inputs " + inputs
                    + ", got " + in.size() + " arrays " + describe(in) + "; pass one array per declared input, in order");
        }
        for (int i = 0; i < inputs.size(); i++) {
            TensorSpec spec = inputs.get(i);
            NDArray a = in.get(i);
            if (a.getDataType() != spec.dataType()) {
                throw new IllegalArgumentException("model " + path + " input " + spec.name() + ": expected element type "
                        + spec.dataType() + ", got " + a.getDataType() + " " + a.getShape()
                        + "; convert with toType(DataType." + spec.dataType().name() + ", false)");
            }
            if (!spec.accepts(a.getShape())) {
                throw new IllegalArgumentException("model " + path + " input " + spec.name() + ": expected shape "
                        + spec.shape() + " (-1: any size), got " + a.getShape());
            }
        }
        if (batchable()) {
            long n = in.get(0).getShape().get(0);
            for (int i = 1; i < in.size(); i++) {
                if (in.get(i).getShape().get(0) != n) {
                    throw new IllegalArgumentException("model " + path + ": inputs " + inputs.get(0).name() + " and "
                            + inputs.get(i).name() + " have different batch sizes " + n + " and "
                            + in.get(i).getShape().get(0));
                }
            }
        }
    }

    private OnnxTensor toOnnx(TensorSpec spec, NDArray a) throws OrtException {
        long[] shape = a.getShape().getShape();
        return switch (a.getDataType()) {
            // a direct buffer is handed to ONNX Runtime as is: one copy out of DJL, none into ORT
            case FLOAT32 -> OnnxTensor.createTensor(env, a.toByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer(),
                    shape);
            case FLOAT64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(a.toDoubleArray()), shape);
            case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(a.toIntArray()), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(a.toLongArray()), shape);
            default -> throw new IllegalArgumentException("model " + path + " input " + spec.name()
                    + ": element type " + a.getDataType() + " is not supported here (float32, float64, int32, int64)");
        };
    }

    private NDArray toDjl(NDManager manager, TensorSpec spec, OnnxValue value) {
        if (!(value instanceof OnnxTensor t)) {
            throw new OnnxModelException("model " + path + " output " + spec.name() + " is a " + value.getType()
                    + ", not a tensor; only tensor outputs can become DJL arrays");
        }
        Shape shape = new Shape(t.getInfo().getShape());
        return switch (t.getInfo().type) {
            case FLOAT -> manager.create(t.getFloatBuffer(), shape);
            case DOUBLE -> manager.create(t.getDoubleBuffer(), shape);
            case INT32 -> manager.create(t.getIntBuffer(), shape);
            case INT64 -> manager.create(t.getLongBuffer(), shape);
            default -> throw new OnnxModelException("model " + path + " output " + spec.name() + " has element type "
                    + t.getInfo().type + "; only float32, float64, int32 and int64 outputs are supported");
        };
    }

    private List<TensorSpec> specs(Map<String, NodeInfo> declared) {
        List<TensorSpec> out = new ArrayList<>();
        for (NodeInfo node : declared.values()) {
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new OnnxModelException("model " + path + " declares " + node.getName() + " as "
                        + node.getInfo() + "; only tensor inputs and outputs are supported");
            }
            out.add(new TensorSpec(node.getName(), dataType(info.type), new Shape(info.getShape())));
        }
        return List.copyOf(out);
    }

    private static DataType dataType(OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> DataType.FLOAT32;
            case DOUBLE -> DataType.FLOAT64;
            case INT32 -> DataType.INT32;
            case INT64 -> DataType.INT64;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
            default -> DataType.UNKNOWN;
        };
    }

    private static void checkReadable(Path path) {
        if (!Files.exists(path)) {
            throw new OnnxModelException("ONNX model file " + path.toAbsolutePath() + " does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new OnnxModelException("ONNX model file " + path.toAbsolutePath()
                    + " is not a readable file (check its permissions, or that it is not a directory)");
        }
    }

    private static String describe(NDList in) {
        List<String> parts = new ArrayList<>();
        for (NDArray a : in) {
            parts.add(a.getDataType() + " " + a.getShape());
        }
        return parts.toString();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the ONNX session on " + path + " is closed");
        }
    }

    private void closeQuietly() {
        try {
            session.close();
        } catch (OrtException ignored) {
            // already failing with a better message
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (closeWith != null && closeWith.isOpen()) {
            closeWith.detachInternal(resourceId);
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new OnnxModelException("closing the ONNX session on " + path + " failed: " + e.getMessage(), e);
        }
    }

    /** Settings for an {@link OnnxSession}; defaults: best provider, batches of 1024, closed by the caller. */
    public static final class Builder {
        private final Path path;
        private ExecutionProvider.Preference preference = ExecutionProvider.Preference.AUTO;
        private int batchSize = 1024;
        private int intraOpThreads;
        private NDManager closeWith;
        private Path driverFile = ExecutionProvider.NVIDIA_DRIVER;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "model path");
        }

        public Builder optPreference(ExecutionProvider.Preference preference) {
            this.preference = Objects.requireNonNull(preference, "preference");
            return this;
        }

        /** Largest batch handed to ONNX Runtime at once (for models with a free batch axis). */
        public Builder optBatchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Threads ONNX Runtime uses inside one operator (default: its own choice, one per core). */
        public Builder optIntraOpThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("intra-op threads must be >= 1, got " + threads);
            }
            this.intraOpThreads = threads;
            return this;
        }

        /** Closes the session when {@code manager} closes (e.g. a problem's manager, closed with the engine). */
        public Builder optCloseWith(NDManager manager) {
            this.closeWith = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /** The file whose presence means an NVIDIA driver is loaded (tests point it elsewhere). */
        Builder driverFile(Path file) {
            this.driverFile = file;
            return this;
        }

        public OnnxSession build() {
            return new OnnxSession(this);
        }
    }
}
