package org.betty4j.example.noisy;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.betty4j.annotations.HypergradMethod;
import org.betty4j.example.model.ImageClassifier;
import org.betty4j.example.noisy.baseline.NoisyBaselineEngine;
import org.betty4j.example.noisy.model.HasClassifier;
import org.betty4j.example.noisy.model.MetaLearner;
import org.betty4j.example.noisy.model.NoisyExperiment;
import org.betty4j.example.noisy.reweight.ReweighterEngine;
import org.betty4j.runtime.engine.Engine;
import org.betty4j.runtime.engine.EngineConfig;
import org.betty4j.runtime.engine.EngineListener;
import org.betty4j.runtime.engine.ProblemNode;
import org.betty4j.runtime.engine.Program;
import org.betty4j.runtime.hypergrad.HypergradConfig;

/**
 * Runs one program of the noisy-label study for one seed and measures it: test accuracy every
 * {@code evalEvery} global steps, its mean over the last third of training (the study's metric:
 * one final iterate of a noisy run is itself noisy), the final accuracy, and how much of the
 * noise the classifier fitted (the share of wrongly labelled training images it predicts with
 * their wrong label).
 */
public final class NoisyStudy {

    /** The three programs of the study; all share the classifier, data, seed and batch order. */
    public enum Variant {
        BASELINE("baseline", NoisyBaselineEngine::program),
        REWEIGHT("reweight", ReweighterEngine::program),
        CORRECT_REWEIGHT("correct+reweight", CorrectorEngine::program);

        private final String label;
        private final Supplier<Program> program;

        Variant(String label, Supplier<Program> program) {
            this.label = label;
            this.program = program;
        }

        public String label() {
            return label;
        }

        public static Variant ofLabel(String label) {
            for (Variant v : values()) {
                if (v.label.equals(label) || v.name().equalsIgnoreCase(label)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown program '" + label + "'; expected baseline, reweight or"
                    + " correct+reweight");
        }
    }

    /**
     * Settings of one run.
     *
     * @param steps global steps
     * @param evalEvery global steps between test evaluations
     * @param method best-response method of the classifier (null: as annotated, AID_FD)
     * @param unroll classifier steps per upper step
     * @param warmup classifier steps before the uppers start
     * @param options program options (noise, meta set, learning rates)
     */
    public record Settings(int steps, int evalEvery, HypergradMethod method, int unroll, int warmup,
            Map<String, String> options) {}

    /** What one run measured. */
    public record Result(Variant variant, long seed, int[] evalSteps, double[] testAccuracy,
            double lastThird, double finalAccuracy, double noiseFitted, double seconds, String learned) {}

    private NoisyStudy() {}

    public static Result run(Variant variant, long seed, Settings settings, boolean progressBar) {
        Program program = variant.program.get();
        if (variant != Variant.BASELINE) {
            ProblemNode.Builder classifier = program.problem("Classifier").toBuilder()
                    .optUnrollSteps(settings.unroll())
                    .optWarmupSteps(settings.warmup());
            if (settings.method() != null) {
                classifier.optHypergrad(HypergradConfig.defaults(settings.method()));
            }
            program = program.toBuilder().replace(classifier.build()).build();
        }
        Map<String, String> options = new LinkedHashMap<>(settings.options());
        NoisyExperiment.Sets sets = NoisyExperiment.of(options);
        List<Integer> steps = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        double[] fitted = new double[1];
        String[] learned = {""};
        long t0 = System.nanoTime();
        // a bar where someone watches a terminal; elsewhere (a pipe, a CI log) a loss line per
        // problem every 1000 steps instead
        EngineConfig config = EngineConfig.builder().optIterations(settings.steps()).optSeed(seed)
                .optProgressBar(progressBar).optLogEvery(progressBar ? 0 : 1000).optOptions(options).build();
        try (Engine engine = new Engine(program, config)) {
            engine.addListener(new EngineListener() {
                @Override
                public void onGlobalStep(Engine e, int globalStep) {
                    if (globalStep % settings.evalEvery() == 0 || globalStep == settings.steps()) {
                        try (NDManager m = NDManager.newBaseManager()) {
                            steps.add(globalStep);
                            accuracies.add(classifier(e).evaluate(sets.test(), m).overall());
                        }
                    }
                }

                @Override
                public void onRunEnd(Engine e) {
                    try (NDManager m = NDManager.newBaseManager()) {
                        fitted[0] = noiseFitted(classifier(e), sets, m);
                        learned[0] = describeUppers(e, m);
                    }
                }
            });
            engine.run();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int[] evalSteps = steps.stream().mapToInt(Integer::intValue).toArray();
        double[] acc = accuracies.stream().mapToDouble(Double::doubleValue).toArray();
        return new Result(variant, seed, evalSteps, acc, lastThird(evalSteps, acc, settings.steps()),
                acc[acc.length - 1], fitted[0], seconds, learned[0]);
    }

    /** Mean of the accuracies evaluated after two thirds of the steps. */
    public static double lastThird(int[] evalSteps, double[] accuracy, int steps) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < evalSteps.length; i++) {
            if (evalSteps[i] * 3L > 2L * steps) {
                sum += accuracy[i];
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no test evaluation in the last third of " + steps
                    + " steps; evaluate more often");
        }
        return sum / n;
    }

    private static ImageClassifier classifier(Engine e) {
        return ((HasClassifier) e.program().problem("Classifier").trainable()).model();
    }

    /** Share of the wrongly labelled training images whose prediction is their wrong label. */
    static double noiseFitted(ImageClassifier model, NoisyExperiment.Sets sets, NDManager m) {
        int[] clean = sets.cleanTrainLabels();
        int[] noisy = sets.train().labels();
        long[] predicted = predictions(model, sets, m);
        int wrong = 0;
        int fitted = 0;
        for (int i = 0; i < clean.length; i++) {
            if (clean[i] != noisy[i]) {
                wrong++;
                fitted += predicted[i] == noisy[i] ? 1 : 0;
            }
        }
        return wrong == 0 ? 0 : (double) fitted / wrong;
    }

    private static long[] predictions(ImageClassifier model, NoisyExperiment.Sets sets, NDManager m) {
        var images = sets.train().images(m).toType(
                model.block().getParameters().get(0).getValue().getArray().getDataType(), false);
        m.tempAttachAll(model.block().getParameters().values().stream().map(p -> p.getArray())
                .toArray(ai.djl.ndarray.NDArray[]::new));
        return model.logits(images, false).argMax(1).toLongArray();
    }

    /** The learned functions of the upper problems at a few losses. */
    private static String describeUppers(Engine e, NDManager m) {
        StringBuilder s = new StringBuilder();
        float[] losses = {0.05f, 0.5f, 1f, 2f, 4f};
        for (ProblemNode node : e.program().problems()) {
            if (node.trainable() instanceof MetaLearner learner) {
                float[] v = learner.net().at(m, losses);
                s.append(node.name().equals("Corrector") ? "trust" : "weight").append("(loss)");
                for (int i = 0; i < losses.length; i++) {
                    s.append(String.format(java.util.Locale.ROOT, " %.2f:%.2f", losses[i], v[i]));
                }
                s.append("  ");
            }
        }
        return s.toString().trim();
    }
}
