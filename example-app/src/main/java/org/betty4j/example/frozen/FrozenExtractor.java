package org.betty4j.example.frozen;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.onnx.OnnxExporter;
import org.betty4j.runtime.onnx.OnnxModelException;
import org.betty4j.runtime.onnx.OnnxSession;
import org.betty4j.runtime.onnx.TensorSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The frozen feature extractor of the example: an MLP 784-128-64 with ReLU, pretrained with
 * DJL as the body of a classifier of the five best-represented classes (0-4: T-shirt, Trouser,
 * Pullover, Dress, Coat) of the long-tailed training set, then exported without its
 * classification layer to ONNX. The labels of classes 5-9 are never seen in pretraining; the
 * multilevel program learns a ten-class head on top of the frozen features.
 *
 * <p>Built at run time when no file is given (cached under {@code java.io.tmpdir}), or with the
 * tool: {@code java -cp ... org.betty4j.example.frozen.FrozenExtractor --out extractor.onnx}.
 */
@Command(name = "frozen-extractor", mixinStandardHelpOptions = true,
        description = "Pretrains the example's feature extractor on Fashion-MNIST classes 0-4 with DJL and exports it to ONNX.")
public final class FrozenExtractor implements java.util.concurrent.Callable<Integer> {

    /** Features the extractor produces per image. */
    public static final int FEATURES = 64;
    /** Pretraining sees classes 0..PRETRAIN_CLASSES-1 only. */
    public static final int PRETRAIN_CLASSES = 5;
    public static final int DEFAULT_STEPS = 300;
    public static final long DEFAULT_SEED = 7;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Where to write the .onnx file.")
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "Pretraining steps, batch 64 (default: ${DEFAULT-VALUE}).")
    int steps = DEFAULT_STEPS;

    @Option(names = "--seed", paramLabel = "N", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULT_SEED;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Full Fashion-MNIST IDX files (default: the embedded subset).")
    String dataDir;

    /** What pretraining produced. */
    public record Pretrained(Path file, double pretrainAccuracy, int images) {}

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(new CommandLine(new FrozenExtractor()).execute(args));
    }

    @Override
    public Integer call() {
        Pretrained p = pretrain(ExperimentData.load(dataDir).train(), steps, seed, out);
        System.out.printf(Locale.ROOT, "extractor written to %s: %d steps on %d images of classes 0-%d,"
                + " training accuracy %.1f%%%n", p.file(), steps, p.images(), PRETRAIN_CLASSES - 1,
                100 * p.pretrainAccuracy());
        return 0;
    }

    /** The default extractor, pretrained on {@code train} once per machine and cached in {@code java.io.tmpdir}. */
    public static synchronized Path ensureDefault(ImageSet train) {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "betty4j-onnx",
                "fashion-extractor-s" + DEFAULT_SEED + "-n" + DEFAULT_STEPS + "-" + train.count() + ".onnx");
        if (!Files.isRegularFile(file)) {
            pretrain(train, DEFAULT_STEPS, DEFAULT_SEED, file);
        }
        return file;
    }

    /** The body of the network: the layers that are exported. */
    static SequentialBlock featureLayers() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(128).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(FEATURES).build())
                .add(Activation.reluBlock());
    }

    /**
     * Trains body + a 5-way linear layer with DJL's trainer (Adam 1e-3, softmax cross-entropy,
     * batch 64) on the images of classes 0-4, then exports the body to {@code out}.
     */
    public static Pretrained pretrain(ImageSet train, int steps, long seed, Path out) {
        int[] labels = train.labels();
        ImageSet part = train.subset(java.util.stream.IntStream.range(0, labels.length)
                .filter(i -> labels[i] < PRETRAIN_CLASSES).toArray());
        SequentialBlock body = featureLayers();
        SequentialBlock net = new SequentialBlock().add(body).add(Linear.builder().setUnits(PRETRAIN_CLASSES).build());
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
        try (Model model = Model.newInstance("fashion-extractor")) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(config)) {
                Shape input = new Shape(1, part.pixelsPerImage());
                trainer.initialize(input);
                NDManager m = trainer.getManager();
                NDArray images = part.images(m);
                ArrayBatchSource batches = ArrayBatchSource.builder(images, part.labels(m))
                        .optBatchSize(64).optSeed(seed).build();
                for (int step = 0; step < steps; step++) {
                    try (Batch batch = batches.next(m)) {
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                    }
                }
                double accuracy;
                try (NDManager scratch = m.newSubManager()) {
                    NDArray logits = trainer.evaluate(new NDList(images)).singletonOrThrow();
                    logits.attach(scratch);
                    accuracy = OnnxCheck.count(logits, part.labels(), PRETRAIN_CLASSES).overall();
                }
                writeAtomically(body, input, out);
                return new Pretrained(out, accuracy, part.count());
            }
        }
    }

    /** Exports to a temporary file next to {@code out}, then moves it in place (readers never see half a file). */
    private static void writeAtomically(SequentialBlock body, Shape input, Path out) {
        try {
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "extractor-", ".onnx.tmp");
            OnnxExporter.export(body, input, tmp);
            // temporary files are owner-only; the cached extractor is shared by every user of the machine
            tmp.toFile().setReadable(true, false);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the extractor to " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * The number of features {@code session} produces for images of {@code pixels} values,
     * checking that the model has one float32 input of shape (batch, pixels) and one float32
     * output of shape (batch, features).
     */
    public static int featureCount(OnnxSession session, int pixels) {
        if (session.inputs().size() != 1 || session.outputs().size() != 1) {
            throw new OnnxModelException("extractor " + session.path() + " must have one input and one output, it declares"
                    + " inputs " + session.inputs() + " and outputs " + session.outputs());
        }
        TensorSpec in = session.inputs().get(0);
        if (in.dataType() != DataType.FLOAT32 || !in.accepts(new Shape(1, pixels))) {
            throw new OnnxModelException("extractor " + session.path() + " input " + in.name() + ": expected float32 (batch, "
                    + pixels + ") images, the model declares " + in.dataType() + " " + in.shape());
        }
        TensorSpec outSpec = session.outputs().get(0);
        if (outSpec.dataType() != DataType.FLOAT32 || outSpec.shape().dimension() != 2 || outSpec.shape().get(1) < 1) {
            throw new OnnxModelException("extractor " + session.path() + " output " + outSpec.name()
                    + ": expected float32 (batch, features) with a fixed number of features, the model declares "
                    + outSpec.dataType() + " " + outSpec.shape());
        }
        return Math.toIntExact(outSpec.shape().get(1));
    }
}
