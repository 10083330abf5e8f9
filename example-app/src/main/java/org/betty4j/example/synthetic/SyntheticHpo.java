package org.betty4j.example.synthetic;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.betty4j.runtime.problem.ProblemContext;

/**
 * Program options of the synthetic study (defaults in brackets): {@value #FEATURES} [20],
 * {@value #TRAIN_ROWS} [40], {@value #VALIDATION_ROWS} [200], {@value #MU} [1], {@value #DATA_SEED} [1].
 */
public final class SyntheticHpo {

    public static final String FEATURES = "features";
    public static final String TRAIN_ROWS = "train-rows";
    public static final String VALIDATION_ROWS = "validation-rows";
    public static final String MU = "mu";
    public static final String DATA_SEED = "data-seed";

    private static final Map<String, RidgeData> CACHE = new ConcurrentHashMap<>();

    private SyntheticHpo() {}

    static RidgeData data(ProblemContext context) {
        return data(context.options());
    }

    public static RidgeData data(Map<String, String> options) {
        int d = Integer.parseInt(options.getOrDefault(FEATURES, "20"));
        int n = Integer.parseInt(options.getOrDefault(TRAIN_ROWS, "40"));
        int m = Integer.parseInt(options.getOrDefault(VALIDATION_ROWS, "200"));
        double mu = Double.parseDouble(options.getOrDefault(MU, "1"));
        long seed = Long.parseLong(options.getOrDefault(DATA_SEED, "1"));
        return CACHE.computeIfAbsent(d + "|" + n + "|" + m + "|" + mu + "|" + seed,
                k -> new RidgeData(d, n, m, mu, seed));
    }
}
