package org.betty4j.example.frozen;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import java.nio.file.Path;
import java.util.Map;
import org.betty4j.annotations.Level;
import org.betty4j.annotations.TrainingStep;
import org.betty4j.annotations.Upper;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.model.ImageClassifier.Evaluation;
import org.betty4j.runtime.cli.ProgramMain;
import org.betty4j.runtime.problem.Validating;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.onnx.OnnxExportable;
import org.betty4j.runtime.onnx.OnnxSession;
import org.betty4j.runtime.optim.Optimizer;
import org.betty4j.runtime.optim.Sgd;
import org.betty4j.runtime.problem.Cost;
import org.betty4j.runtime.problem.ProblemContext;
import org.betty4j.runtime.problem.Trainable;

/**
 * Level 1: a ten-class linear head on top of a frozen feature extractor that ONNX Runtime runs.
 * Each training step sends the batch's images through the extractor ({@link OnnxSession}, no
 * gradient) and trains the head with per-sample weights from the {@link SampleWeighting} net.
 *
 * <p>The extractor is the file named by the program option {@code extractor} ({@code --set
 * extractor=FILE}), or the default one {@link FrozenExtractor} pretrains on first use. The
 * session is opened once and closed with the engine. {@code --export-onnx DIR} writes the trained
 * head as {@code DIR/HeadClassifier.onnx}; {@code --validate-every N} prints the test accuracy.
 */
@Level(1)
public class HeadClassifier implements Trainable, OnnxExportable, Validating {

    /** Program option naming the extractor's .onnx file. */
    public static final String EXTRACTOR_OPTION = "extractor";

    /** The weighting net: its current parameters weight this cost. */
    @Upper
    SampleWeighting weighting;

    private OnnxSession extractor;
    private int features;
    private SequentialBlock head;
    private ParameterStore store;
    private BatchSource data;
    private Optimizer optimizer;
    private ImageSet test;

    @Override
    public void setUp(ProblemContext context) {
        FashionMnistSplits splits = ExperimentData.forContext(context);
        test = splits.test();
        Path file = context.option(EXTRACTOR_OPTION).map(Path::of)
                .orElseGet(() -> FrozenExtractor.ensureDefault(splits.train()));
        extractor = OnnxSession.builder(file).optCloseWith(context.manager()).build();
        features = FrozenExtractor.featureCount(extractor, splits.train().pixelsPerImage());
        head = new SequentialBlock().add(Linear.builder().setUnits(ImageClassifier.CLASSES).build());
        head.initialize(context.manager(), DataType.FLOAT32, new Shape(1, features));
        store = new ParameterStore(context.manager(), false);
        data = ArrayBatchSource.builder(splits.train().images(context.manager()), splits.train().labels(context.manager()))
                .optBatchSize(100)
                .optSeed(context.seed())
                .build();
        float lr = context.option(ProgramMain.learningRateKey(context.problemName()))
                .map(Float::parseFloat).orElse(0.1f);
        optimizer = Sgd.builder().setLearningRate(lr).optMomentum(0.9f).build();
    }

    /** The frozen extractor's features of {@code images} (batch, 784): (batch, features), no gradient. */
    public NDArray features(NDArray images) {
        return extractor.run(images.getManager(), images);
    }

    /** Head logits (batch, 10) for images. */
    public NDArray logits(NDArray images) {
        return head.forward(store, new NDList(features(images)), true).singletonOrThrow();
    }

    /** Weighted cross-entropy {@code mean(wᵢ ℓᵢ)}, {@code wᵢ} from the detached losses. */
    @TrainingStep
    public Cost trainingStep(Batch batch) {
        NDArray logits = logits(batch.getData().head());
        NDArray labels = batch.getLabels().head();
        NDArray losses = ImageClassifier.perSampleCrossEntropy(logits, labels);
        NDArray weights = weighting.weights(losses.stopGradient());
        return Cost.of(losses.mul(weights).mean())
                .withMetric("accuracy", ImageClassifier.accuracy(logits, labels))
                .withMetric("mean weight", weights.mean().getFloat());
    }

    /** Per-class test accuracy: features by ONNX Runtime, logits by the DJL head. */
    public Evaluation evaluate(ImageSet set, NDManager parent) {
        try (NDManager m = parent.newSubManager()) {
            m.tempAttachAll(head.getParameters().values().stream().map(p -> p.getArray()).toArray(NDArray[]::new));
            NDArray logits = head.forward(new ParameterStore(m, false), new NDList(features(set.images(m))), false)
                    .singletonOrThrow();
            return OnnxCheck.count(logits, set.labels(), ImageClassifier.CLASSES);
        }
    }

    /** Test accuracy, overall and balanced ({@code --validate-every N}). */
    @Override
    public Map<String, Double> validate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Evaluation e = evaluate(test, m);
            return Map.of("test accuracy", e.overall(), "balanced test accuracy", e.balanced());
        }
    }

    public OnnxSession extractor() {
        return extractor;
    }

    @Override
    public Block exportBlock() {
        return head;
    }

    @Override
    public Shape exportInputShape() {
        return new Shape(1, features);
    }

    @Override
    public ParameterList parameters() {
        return head.getParameters();
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public BatchSource data() {
        return data;
    }
}
