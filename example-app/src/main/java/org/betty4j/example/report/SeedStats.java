package org.betty4j.example.report;

import java.util.Arrays;
import java.util.Locale;

/** Mean and sample standard deviation over seeds, formatted the way the results tables print them. */
public final class SeedStats {

    private SeedStats() {}

    public static double mean(double[] values) {
        requireValues(values);
        return Arrays.stream(values).average().orElseThrow();
    }

    /** Sample standard deviation (n − 1); 0 for a single value. */
    public static double std(double[] values) {
        requireValues(values);
        if (values.length == 1) {
            return 0;
        }
        double m = mean(values);
        double s = 0;
        for (double v : values) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (values.length - 1));
    }

    /** {@code "mean ± std"} with {@code decimals} decimals. */
    public static String meanStd(double[] values, int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " ± " + f, mean(values), std(values));
    }

    /** The values joined with {@code " / "}, in seed order. */
    public static String perSeed(double[] values, int decimals) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%." + decimals + "f", values[i]));
        }
        return s.toString();
    }

    private static void requireValues(double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("no values: a statistic over seeds needs at least one seed");
        }
    }
}
