package org.betty4j.example.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.betty4j.example.data.FashionMnistSplits;
import org.betty4j.runtime.data.ArrayBatchSource;
import org.betty4j.runtime.data.BatchSource;
import org.betty4j.runtime.data.ImageSet;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * The long-tailed Fashion-MNIST splits a run uses: the embedded subset by default, the full
 * IDX files when the program option {@code data-dir} names a directory. Loaded once per
 * source and shared by the problems of a run.
 */
public final class ExperimentData {

    /** Program option naming a directory with the four full Fashion-MNIST IDX files. */
    public static final String DATA_DIR_OPTION = "data-dir";

    private static final Map<String, FashionMnistSplits> CACHE = new ConcurrentHashMap<>();

    private ExperimentData() {}

    /** Shuffled batches of {@code set} for a problem, seeded by the problem's seed. */
    public static BatchSource batches(ProblemContext context, ImageSet set, int batchSize) {
        return ArrayBatchSource.builder(set.images(context.manager()).toType(context.dataType(), false),
                        set.labels(context.manager()))
                .optBatchSize(batchSize)
                .optSeed(context.seed())
                .build();
    }

    public static FashionMnistSplits forContext(ProblemContext context) {
        return load(context.option(DATA_DIR_OPTION).orElse(null));
    }

    /** The splits from {@code dataDir}, or the embedded subset when it is null. */
    public static FashionMnistSplits load(String dataDir) {
        return CACHE.computeIfAbsent(dataDir == null ? "" : dataDir, key -> {
            try {
                return key.isEmpty() ? FashionMnistSplits.embedded() : FashionMnistSplits.fromDirectory(Path.of(key));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Fashion-MNIST from "
                        + (key.isEmpty() ? "the embedded subset" : key) + ": " + e.getMessage(), e);
            }
        });
    }
}
