package org.betty4j.example.noisy.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.betty4j.runtime.data.IdxFiles;
import org.betty4j.runtime.data.ImageSet;

/**
 * Builds the subset committed under {@code example-app/src/main/resources/fashion-mnist-noisy/}
 * from the full IDX files: the class-balanced training set and the clean meta pool, exactly as
 * {@link NoisyFashionMnist#fromDirectory(Path)} draws them (the test set is the reweighting job's
 * embedded balanced test sample), and a README.txt. Reproducible byte for byte.
 *
 * <pre>
 * mvn -q -B -pl example-app -am install -DskipTests
 * mvn -q -B -pl example-app exec:exec -Dexec.executable=java \
 *   -Dexec.args="-cp %classpath org.betty4j.example.noisy.data.BuildNoisySubset \
 *   /usr/share/datasets/fashion-mnist src/main/resources/fashion-mnist-noisy"
 * </pre>
 */
public final class BuildNoisySubset {

    private BuildNoisySubset() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: BuildNoisySubset SOURCE_DIR OUTPUT_DIR");
            System.exit(2);
        }
        Path output = Path.of(args[1]);
        ImageSet full = NoisyFashionMnist.readFull(Path.of(args[0]))[0];
        NoisyFashionMnist sets = NoisyFashionMnist.draw(full, null, NoisyFashionMnist.DRAW_SEED);
        Files.createDirectories(output);
        IdxFiles.writeImageSet(sets.train(), output.resolve(NoisyFashionMnist.TRAIN_IMAGES),
                output.resolve(NoisyFashionMnist.TRAIN_LABELS));
        IdxFiles.writeImageSet(sets.metaPool(), output.resolve(NoisyFashionMnist.META_IMAGES),
                output.resolve(NoisyFashionMnist.META_LABELS));
        Files.writeString(output.resolve("README.txt"), String.join("\n",
                "Class-balanced Fashion-MNIST subset for the noisy-label programs (example-app).",
                "",
                "Source: Fashion-MNIST (Zalando Research, MIT licence), the IDX files of the Debian",
                "package dataset-fashion-mnist. Built by " + BuildNoisySubset.class.getName() + " with seed "
                        + NoisyFashionMnist.DRAW_SEED + ";",
                "reproducible byte for byte. Labels are CLEAN: the programs corrupt them per run.",
                "",
                NoisyFashionMnist.TRAIN_IMAGES + " (+ labels): " + sets.train().count() + " images, "
                        + NoisyFashionMnist.TRAIN_PER_CLASS + " per class from the official train split",
                NoisyFashionMnist.META_IMAGES + " (+ labels): " + sets.metaPool().count() + " images, "
                        + NoisyFashionMnist.META_POOL_PER_CLASS + " per class, disjoint from the above",
                "  (the next images of each class's seeded shuffle); a run uses the first k per class",
                "Per-class counts: train " + Arrays.toString(sets.train().classCounts(10)) + ", meta pool "
                        + Arrays.toString(sets.metaPool().classCounts(10)),
                "Test set: ../fashion-mnist-lt/test-balanced-* (2000 images, 200 per class).",
                ""));
        System.out.println("wrote " + output.toAbsolutePath().normalize());
    }
}
