package org.betty4j.example.noisy.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.betty4j.example.noisy.data.NoisyFashionMnist;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * The data of one noisy-label run, from the program options (all optional, defaults in brackets):
 * {@value #DATA_DIR} (the embedded subset), {@value #NOISE_RATE} [0.4], {@value #NOISE_SEED} [1],
 * {@value #META_PER_CLASS} [10]. Every program of a run that is given the same options trains on
 * the same noisy labels and evaluates its upper cost on the same clean meta set.
 */
public final class NoisyExperiment {

    public static final String DATA_DIR = "data-dir";
    public static final String NOISE_RATE = "noise-rate";
    public static final String NOISE_SEED = "noise-seed";
    public static final String META_PER_CLASS = "meta-per-class";

    public static final double DEFAULT_NOISE_RATE = 0.4;
    public static final long DEFAULT_NOISE_SEED = 1;
    public static final int DEFAULT_META_PER_CLASS = 10;

    private static final Map<String, NoisyFashionMnist> SOURCES = new ConcurrentHashMap<>();
    private static final Map<String, Sets> RUNS = new ConcurrentHashMap<>();

    private NoisyExperiment() {}

    /**
     * What a run trains and tests on.
     *
     * @param train the training images with NOISY labels
     * @param cleanTrainLabels their true labels (to measure how many the run fits or corrects)
     * @param meta the clean meta set
     * @param test the test set
     */
    public record Sets(ImageSet train, int[] cleanTrainLabels, ImageSet meta, ImageSet test) {

        /** Fraction of training labels that differ from the true ones. */
        public double noiseFraction() {
            int wrong = 0;
            for (int i = 0; i < cleanTrainLabels.length; i++) {
                wrong += train.label(i) != cleanTrainLabels[i] ? 1 : 0;
            }
            return (double) wrong / cleanTrainLabels.length;
        }
    }

    public static Sets forContext(ProblemContext context) {
        return of(context.options());
    }

    /** The sets for these program options (cached: the problems of a run share them). */
    public static Sets of(Map<String, String> options) {
        String dir = options.getOrDefault(DATA_DIR, "");
        double rate = parse(options, NOISE_RATE, DEFAULT_NOISE_RATE);
        long seed = (long) parse(options, NOISE_SEED, DEFAULT_NOISE_SEED);
        int meta = (int) parse(options, META_PER_CLASS, DEFAULT_META_PER_CLASS);
        return RUNS.computeIfAbsent(dir + "|" + rate + "|" + seed + "|" + meta, key -> {
            NoisyFashionMnist source = source(dir);
            int[] clean = source.train().labels();
            ImageSet noisy = NoisyFashionMnist.withLabels(source.train(), NoisyFashionMnist.corrupt(clean, rate, seed));
            return new Sets(noisy, clean, source.meta(meta), source.test());
        });
    }

    /** Shuffled batches of {@code set}, seeded by the problem's seed. */
    public static BatchSource batches(ProblemContext context, ImageSet set, int batchSize) {
        return ArrayBatchSource.builder(set.images(context.manager()).toType(context.dataType(), false),
                        set.labels(context.manager()))
                .optBatchSize(batchSize)
                .optSeed(context.seed())
                .build();
    }

    private static NoisyFashionMnist source(String dir) {
        return SOURCES.computeIfAbsent(dir, key -> {
            try {
                return key.isEmpty() ? NoisyFashionMnist.embedded() : NoisyFashionMnist.fromDirectory(Path.of(key));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Fashion-MNIST from "
                        + (key.isEmpty() ? "the embedded noisy-label subset" : key) + ": " + e.getMessage(), e);
            }
        });
    }

    private static double parse(Map<String, String> options, String key, double fallback) {
        String value = options.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("program option " + key + " must be a number, got '" + value + "'");
        }
    }
}
