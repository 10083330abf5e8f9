package org.betty4j.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated main's {@code --export-onnx DIR}: a real run, then the file against the trained DJL network. */
class ExportOptionTest {

    /** Fixed probe inputs, shape (5, 4). */
    static final float[] PROBE = {
        0.1f, -0.4f, 0.9f, 0.3f, -1.2f, 0.5f, 0.0f, 0.7f, 2.0f, -0.3f,
        0.4f, -0.8f, 0.6f, 1.1f, -0.2f, 0.05f, -0.9f, -1.5f, 0.8f, 0.2f
    };
    static final Shape PROBE_SHAPE = new Shape(5, 4);

    @TempDir
    Path dir;

    /** A small regression network trained with SGD on y = sum(x) + noise-free targets. */
    static class Regressor implements Trainable {
        SequentialBlock net;
        ParameterStore store;
        BatchSource data;
        float[] initialOnProbe;

        @Override
        public void setUp(ProblemContext context) {
            NDManager m = context.manager();
            net = new SequentialBlock()
                    .add(Linear.builder().setUnits(8).build())
                    .add(Activation.tanhBlock())
                    .add(Linear.builder().setUnits(1).build());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 4));
            store = new ParameterStore(m, false);
            NDArray x = m.randomUniform(-1, 1, new Shape(128, 4));
            NDArray y = x.sum(new int[] {1}, true);
            data = ArrayBatchSource.builder(x, y).optBatchSize(32).optSeed(context.seed()).build();
            initialOnProbe = onProbe();
        }

        Cost cost(Batch batch) {
            NDArray predicted = net.forward(store, batch.getData(), true).singletonOrThrow();
            return Cost.of(predicted.sub(batch.getLabels().head()).square().mean());
        }

        /** The network's output on {@link #PROBE}, computed by DJL. */
        float[] onProbe() {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.create(PROBE, PROBE_SHAPE);
                return net.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow().toFloatArray();
            }
        }

        @Override
        public ParameterList parameters() {
            return net.getParameters();
        }

        @Override
        public Optimizer optimizer() {
            return Sgd.builder().setLearningRate(0.1f).build();
        }

        @Override
        public BatchSource data() {
            return data;
        }
    }

    /** The same problem, exportable; it records DJL's output on the probe when exported. */
    static final class ExportableRegressor extends Regressor implements OnnxExportable {
        float[] finalOnProbe;

        @Override
        public Block exportBlock() {
            finalOnProbe = onProbe();
            return net;
        }

        @Override
        public Shape exportInputShape() {
            return new Shape(1, 4);
        }
    }

    static Program program(Regressor r) {
        return Program.builder("Fit").problem(ProblemNode.builder("Regressor", 1, r).costFunction(r::cost).build()).build();
    }

    @Test
    void exportsTheTrainedNetworkWhichOnnxRuntimeRunsLikeDjl() {
        AtomicReference<ExportableRegressor> last = new AtomicReference<>();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(() -> {
            ExportableRegressor r = new ExportableRegressor();
            last.set(r);
            return program(r);
        }, new String[] {"--iterations", "60", "--log-every", "0", "--export-onnx", dir.toString()},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(ProgramMain.OK, code, err.toString());
        Path file = dir.resolve("Regressor.onnx");
        assertTrue(Files.isRegularFile(file), "no " + file + "; out:\n" + out);
        assertTrue(out.toString().contains("exported Regressor to " + file), out.toString());

        ExportableRegressor trained = last.get();
        try (NDManager m = NDManager.newBaseManager(); OnnxSession session = OnnxSession.open(file)) {
            float[] onnx = session.run(m, m.create(PROBE, PROBE_SHAPE)).toFloatArray();
            double moved = 0;
            for (int i = 0; i < onnx.length; i++) {
                moved = Math.max(moved, Math.abs(trained.finalOnProbe[i] - trained.initialOnProbe[i]));
            }
            // the file holds the trained parameters, not the initial ones
            assertTrue(moved > 1e-2, "training did not change the network: " + moved);
            assertArrayEquals(trained.finalOnProbe, onnx, 1e-5f);
        }
    }

    @Test
    void exportWithoutAnExportableProblemIsABadOption() {
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(() -> program(new Regressor()),
                new String[] {"--iterations", "1", "--export-onnx", dir.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code);
        assertTrue(err.toString().contains("--export-onnx " + dir + ": no problem of program Fit implements"
                + " org.betty4j.runtime.onnx.OnnxExportable"), err.toString());
    }

    @Test
    void anUnwritableExportDirectoryOrAnExistingFileIsRefusedBeforeTraining() throws java.io.IOException {
        Files.writeString(dir.resolve("blocker"), "a file where the directory should go");
        StringWriter err = new StringWriter();
        int code = ProgramMain.run(() -> program(new ExportableRegressor()),
                new String[] {"--iterations", "60", "--log-every", "0", "--export-onnx",
                    dir.resolve("blocker/onnx").toString(), "--metrics-file", dir.resolve("m.jsonl").toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code, err.toString());
        assertTrue(err.toString().startsWith("error: --export-onnx " + dir.resolve("blocker/onnx") + ": cannot be"
                + " created, " + dir.resolve("blocker") + " is not a directory"), err.toString());
        assertTrue(!Files.exists(dir.resolve("m.jsonl")), "the run started before the export path was checked");

        Files.writeString(dir.resolve("Regressor.onnx"), "an earlier export");
        err = new StringWriter();
        code = ProgramMain.run(() -> program(new ExportableRegressor()),
                new String[] {"--iterations", "60", "--export-onnx", dir.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(ProgramMain.BAD_OPTIONS, code, err.toString());
        assertTrue(err.toString().startsWith("error: refusing to replace existing output: --export-onnx " + dir
                + " holds Regressor.onnx; pass --overwrite to replace"), err.toString());
        assertEquals("an earlier export", Files.readString(dir.resolve("Regressor.onnx")));
    }
}
