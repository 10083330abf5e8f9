package org.betty4j.example.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.dataset.Batch;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.example.model.ExperimentData;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.model.WeightNet;
import org.betty4j.runtime.autograd.Autograd;
import org.betty4j.runtime.autograd.ClosedArrayBuffers;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.hypergrad.internal.BestResponseJacobian;
import org.betty4j.runtime.hypergrad.HypergradConfig;
import org.betty4j.runtime.hypergrad.internal.Hypergradients;
import org.betty4j.runtime.hypergrad.internal.JacobianContext;

/**
 * The floor each benchmark program is compared with: the same models, data, batch sizes,
 * optimizer arithmetic and hypergradient arithmetic, written directly against DJL (its own
 * {@code GradientCollector.backward}, in-place updates, one sub-manager per step), with no
 * engine. Where a hypergradient needs second derivatives (AID_CG, AID_NEUMANN) DJL alone cannot
 * give them without leaking, so the loop calls the runtime's best-response product directly;
 * everything around it is still hand-written.
 */
final class HandWrittenLoops {

    /** A program's steps; {@code step(t)} runs global step t (1-based). */
    interface Loop extends AutoCloseable {
        void step(int t);

        /** Bytes of the NDArrays the loop holds between steps. */
        long liveBytes();

        @Override
        void close();
    }

    private HandWrittenLoops() {}

    static long bytesOf(NDManager manager) {
        long bytes = 0;
        for (NDArray a : manager.getManagedArrays()) {
            if (!a.isReleased()) {
                bytes += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    private static NDList arrays(Iterable<Pair<String, Parameter>> params) {
        NDList out = new NDList();
        for (Pair<String, Parameter> p : params) {
            out.add(p.getValue().getArray());
        }
        return out;
    }

    /** DJL accumulates into {@code .grad}: read the gradients, then zero them for the next backward. */
    private static NDList takeGradients(NDList params, NDManager into) {
        NDList out = new NDList(params.size());
        for (NDArray p : params) {
            NDArray g = p.getGradient();
            NDArray copy = g.duplicate();
            copy.attach(into);
            out.add(copy);
            g.subi(g);
            g.close();
        }
        return out;
    }

    private static void zeroGradients(NDList params) {
        for (NDArray p : params) {
            try (NDArray g = p.getGradient()) {
                g.subi(g);
            }
        }
    }

    /** SGD with momentum and weight decay, the arithmetic of the runtime's Sgd. */
    private static void sgd(NDList params, NDList grads, List<NDArray> velocity, NDManager state, float lr,
            float momentum, float decay) {
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            NDArray d = decay == 0 ? grads.get(i) : p.mul(decay).addi(grads.get(i));
            if (momentum != 0) {
                if (velocity.size() <= i) {
                    NDArray v = state.zeros(p.getShape(), p.getDataType());
                    velocity.add(v);
                }
                d = velocity.get(i).muli(momentum).addi(d);
            }
            p.subi(d.mul(lr));
        }
    }

    private static float cosine(float base, int t, int total) {
        return (float) (0.5 * base * (1 + Math.cos(Math.PI * Math.min(t, total) / total)));
    }

    /** The baseline: the MLP 784-256-10 on the long-tailed train set, mean cross-entropy, SGD. */
    static Loop baseline(int totalSteps, long seed) {
        return new ClassifierLoop(totalSteps, seed, false);
    }

    /** Meta-Weight-Net with AID_FD, unroll 1: the classifier step, then the meta step, every global step. */
    static Loop metaWeightNet(int totalSteps, long seed) {
        return new ClassifierLoop(totalSteps, seed, true);
    }

    private static final class ClassifierLoop implements Loop {
        private final NDManager base = NDManager.newBaseManager();
        private final NDManager state = base.newSubManager();
        private final ImageClassifier model;
        private final NDList theta;
        private final List<NDArray> velocity = new ArrayList<>();
        private final BatchSource train;
        private final int totalSteps;
        private final boolean meta;
        private WeightNet weighting;
        private NDList phi;
        private BatchSource metaData;
        private final List<NDArray> m = new ArrayList<>();
        private final List<NDArray> s = new ArrayList<>();
        private final double alpha = HypergradConfig.defaults(HypergradMethod.AID_FD).alpha();

        ClassifierLoop(int totalSteps, long seed, boolean meta) {
            this.totalSteps = totalSteps;
            this.meta = meta;
            base.getEngine().setRandomSeed((int) seed);
            FashionMnistSplits splits = ExperimentData.load(null);
            model = ImageClassifier.create(state, splits.train().pixelsPerImage(), 256, DataType.FLOAT32);
            theta = arrays(model.block().getParameters());
            train = ArrayBatchSource.builder(splits.train().images(state), splits.train().labels(state))
                    .optBatchSize(100).optSeed(seed).build();
            if (meta) {
                weighting = new WeightNet(state, 100, DataType.FLOAT32);
                phi = arrays(weighting.block().getParameters());
                metaData = ArrayBatchSource.builder(splits.meta().images(state), splits.meta().labels(state))
                        .optBatchSize(splits.meta().count()).optSeed(seed + 1).build();
                for (NDArray p : phi) {
                    m.add(state.zeros(p.getShape()));
                    s.add(state.zeros(p.getShape()));
                }
            }
        }

        private NDArray classifierLoss(Batch b) {
            NDArray logits = model.logits(b.getData().head(), true);
            NDArray labels = b.getLabels().head();
            NDArray losses = ImageClassifier.perSampleCrossEntropy(logits, labels);
            if (!meta) {
                NDArray loss = losses.mean();
                ImageClassifier.accuracy(logits, labels);
                return loss;
            }
            NDArray weights = weighting.weights(losses.stopGradient());
            NDArray loss = losses.mul(weights).sum().div(weights.sum().add(1e-8f));
            ImageClassifier.accuracy(logits, labels);
            weights.mean().getFloat();
            return loss;
        }

        @Override
        public void step(int t) {
            try (NDManager step = ClosedArrayBuffers.retaining(base.newSubManager())) {
                step.tempAttachAll(state.getManagedArrays().toArray(new NDArray[0]));
                try (Batch b = train.next(step)) {
                    NDList grads;
                    try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                        NDArray loss = classifierLoss(b);
                        gc.backward(loss);
                        loss.getFloat();
                    }
                    grads = takeGradients(theta, step);
                    if (meta) {
                        zeroGradients(phi);
                    }
                    try (GradMode off = GradMode.disabled()) {
                        sgd(theta, grads, velocity, state, cosine(0.1f, t - 1, totalSteps), 0.9f, 5e-4f);
                    }
                    if (meta) {
                        metaStep(b, step, t);
                    }
                }
            }
        }

        /** Meta loss at the updated classifier, v = its gradient, AID_FD product to φ, Adam on φ. */
        private void metaStep(Batch trainBatch, NDManager step, int t) {
            NDList v;
            try (Batch mb = metaData.next(step)) {
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    NDArray logits = model.logits(mb.getData().head(), true);
                    NDArray loss = ImageClassifier.perSampleCrossEntropy(logits, mb.getLabels().head()).mean();
                    gc.backward(loss);
                    ImageClassifier.accuracy(logits, mb.getLabels().head());
                    loss.getFloat();
                }
            }
            v = takeGradients(theta, step);
            zeroGradients(phi);
            double norm = 0;
            for (NDArray a : v) {
                norm += a.square().sum().getFloat();
            }
            norm = Math.sqrt(norm);
            double eps = alpha / norm;
            NDList saved = new NDList();
            try (GradMode off = GradMode.disabled()) {
                for (NDArray p : theta) {
                    saved.add(p.duplicate());
                }
                perturb(v, eps);
            }
            NDList plus = phiGradient(trainBatch, step);
            try (GradMode off = GradMode.disabled()) {
                perturb(v, -2 * eps);
            }
            NDList minus = phiGradient(trainBatch, step);
            try (GradMode off = GradMode.disabled()) {
                for (int i = 0; i < theta.size(); i++) {
                    theta.get(i).muli(0).addi(saved.get(i));
                }
                float lr = 1e-3f;
                float b1 = 0.9f;
                float b2 = 0.999f;
                for (int i = 0; i < phi.size(); i++) {
                    NDArray h = minus.get(i).sub(plus.get(i)).divi(2 * eps);
                    m.get(i).muli(b1).addi(h.mul(1 - b1));
                    s.get(i).muli(b2).addi(h.square().muli(1 - b2));
                    double c1 = 1 - Math.pow(b1, t);
                    double c2 = 1 - Math.pow(b2, t);
                    NDArray update = m.get(i).div(c1).divi(s.get(i).div(c2).sqrt().addi(1e-8f)).muli(lr);
                    phi.get(i).subi(update);
                }
            }
        }

        private void perturb(NDList v, double scale) {
            for (int i = 0; i < theta.size(); i++) {
                theta.get(i).addi(v.get(i).mul(scale));
            }
        }

        private NDList phiGradient(Batch b, NDManager step) {
            try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                gc.backward(classifierLoss(b));
            }
            zeroGradients(theta);
            return takeGradients(phi, step);
        }

        @Override
        public long liveBytes() {
            return bytesOf(base);
        }

        @Override
        public void close() {
            base.close();
        }
    }

    /**
     * Logistic-regression HPO: the inner SGD step every global step (weights reset at each
     * unroll start), and every {@value LogisticRegressionHpo#UNROLL} steps the outer step: v =
     * ∂C_val/∂w, the method's best-response product to λ, SGD with momentum, the clamp. AID_FD's
     * product is written here with DJL's backward; AID_CG's and AID_NEUMANN's come from the
     * runtime (they need second derivatives).
     */
    static Loop hpo(HypergradMethod method) {
        return new HpoLoop(method);
    }

    private static final class HpoLoop implements Loop {
        private final NDManager base = NDManager.newBaseManager();
        private final NDManager state = base.newSubManager();
        private final NDArray xTrain;
        private final NDArray yTrain;
        private final NDArray xVal;
        private final NDArray yVal;
        private final NDArray w;
        private final NDArray lambda;
        private final NDArray lambdaVelocity;
        private final HypergradConfig config;
        private final BestResponseJacobian jacobian;

        HpoLoop(HypergradMethod method) {
            LogisticRegressionHpo.Data d = LogisticRegressionHpo.Data.generate();
            xTrain = state.create(d.xTrain()).toType(DataType.FLOAT32, false);
            yTrain = state.create(d.yTrain()).toType(DataType.FLOAT32, false);
            xVal = state.create(d.xVal()).toType(DataType.FLOAT32, false);
            yVal = state.create(d.yVal()).toType(DataType.FLOAT32, false);
            w = state.zeros(new Shape(LogisticRegressionHpo.FEATURES));
            lambda = state.ones(new Shape(LogisticRegressionHpo.FEATURES));
            lambdaVelocity = state.zeros(new Shape(LogisticRegressionHpo.FEATURES));
            w.setRequiresGradient(true);
            lambda.setRequiresGradient(true);
            config = method == HypergradMethod.AID_FD ? HypergradConfig.defaults(method)
                    : new HypergradConfig(method, 0.1, 3, false);
            jacobian = method == HypergradMethod.AID_FD ? null : Hypergradients.forConfig("inner", config);
        }

        @Override
        public void step(int t) {
            try (NDManager step = ClosedArrayBuffers.retaining(base.newSubManager())) {
                step.tempAttachAll(state.getManagedArrays().toArray(new NDArray[0]));
                if ((t - 1) % LogisticRegressionHpo.UNROLL == 0) {
                    try (GradMode off = GradMode.disabled()) {
                        w.muli(0);
                    }
                }
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    NDArray loss = LogisticRegressionHpo.innerCost(xTrain, yTrain, w, lambda);
                    gc.backward(loss);
                    loss.getFloat();
                }
                NDList g = takeGradients(new NDList(w), step);
                zeroGradients(new NDList(lambda));
                try (GradMode off = GradMode.disabled()) {
                    w.subi(g.get(0).mul(LogisticRegressionHpo.INNER_LR));
                }
                if (t % LogisticRegressionHpo.UNROLL == 0) {
                    outerStep(step);
                }
            }
        }

        private void outerStep(NDManager step) {
            try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                NDArray loss = LogisticRegressionHpo.outerCost(xVal, yVal, w);
                gc.backward(loss);
                loss.getFloat();
            }
            NDList v = takeGradients(new NDList(w), step);
            zeroGradients(new NDList(lambda));
            NDArray hyper;
            if (jacobian == null) {
                double eps = config.alpha() / v.get(0).norm().getFloat();
                NDArray saved = w.duplicate();
                try (GradMode off = GradMode.disabled()) {
                    w.addi(v.get(0).mul(eps));
                }
                NDArray plus = lambdaGradient(step);
                try (GradMode off = GradMode.disabled()) {
                    w.addi(v.get(0).mul(-2 * eps));
                }
                NDArray minus = lambdaGradient(step);
                try (GradMode off = GradMode.disabled()) {
                    w.muli(0).addi(saved);
                }
                hyper = minus.sub(plus).divi(2 * eps);
            } else {
                JacobianContext context = new JacobianContext("inner", "outer", new NDList(w), new NDList(lambda),
                        () -> LogisticRegressionHpo.innerCost(xTrain, yTrain, w, lambda), config, Autograd.get(),
                        null);
                try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                    hyper = jacobian.apply(v, context).get(0);
                }
            }
            try (GradMode off = GradMode.disabled()) {
                lambdaVelocity.muli(LogisticRegressionHpo.OUTER_MOMENTUM).addi(hyper);
                lambda.subi(lambdaVelocity.mul(LogisticRegressionHpo.OUTER_LR));
                NDArray clamped = lambda.maximum(1e-8f);
                lambda.muli(0).addi(clamped);
            }
        }

        private NDArray lambdaGradient(NDManager step) {
            try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                gc.backward(LogisticRegressionHpo.innerCost(xTrain, yTrain, w, lambda));
            }
            zeroGradients(new NDList(w));
            return takeGradients(new NDList(lambda), step).get(0);
        }

        @Override
        public long liveBytes() {
            return bytesOf(base);
        }

        @Override
        public void close() {
            base.close();
        }
    }
}
