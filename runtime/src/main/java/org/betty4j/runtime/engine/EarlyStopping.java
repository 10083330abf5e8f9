package org.betty4j.runtime.engine;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Stops a run when a validation metric has not improved for {@code patience} validations in a
 * row. The metric is named {@code PROBLEM.METRIC} (e.g. {@code Classifier.accuracy}); lower is
 * better in {@link Goal#MIN} mode, higher in {@link Goal#MAX}. An immutable setting of
 * {@link EngineConfig.Builder#optEarlyStopping}: the engine watches its validations and, when
 * the patience runs out, stops cleanly after the current global step (listeners'
 * {@code onRunEnd}, outputs, a last checkpoint; {@link Engine#stopReason()} says why).
 *
 * <pre>{@code
 * EngineConfig config = EngineConfig.builder().optValidateEvery(100)
 *         .optEarlyStopping(EarlyStopping.parse("Classifier.accuracy:max:3")).build();
 * }</pre>
 *
 * @param problem the problem whose validation metrics are watched
 * @param metric the metric of its {@code validate()}
 * @param goal which direction is an improvement
 * @param patience validations without improvement that stop the run, at least 1
 */
public record EarlyStopping(String problem, String metric, Goal goal, int patience) {

    /** Which direction is an improvement. */
    public enum Goal { MIN, MAX }

    public EarlyStopping {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(goal, "goal");
        if (patience < 1) {
            throw new IllegalArgumentException("early stopping on " + problem + "." + metric + ": patience must be at"
                    + " least 1 validation, got " + patience);
        }
    }

    /**
     * Parses {@code PROBLEM.METRIC:min|max:PATIENCE} (the command line's {@code --early-stop}).
     *
     * @throws IllegalArgumentException naming the part that is wrong and the expected form
     */
    public static EarlyStopping parse(String spec) {
        String form = " (expected PROBLEM.METRIC:min|max:PATIENCE, e.g. Classifier.accuracy:max:3)";
        String[] parts = spec.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("early stopping '" + spec + "' has " + parts.length + " part(s)" + form);
        }
        int dot = parts[0].indexOf('.');
        if (dot <= 0 || dot == parts[0].length() - 1) {
            throw new IllegalArgumentException("early stopping '" + spec + "': '" + parts[0]
                    + "' does not name a problem and a metric" + form);
        }
        Goal goal;
        try {
            goal = Goal.valueOf(parts[1].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("early stopping '" + spec + "': '" + parts[1] + "' is neither min nor max"
                    + form, e);
        }
        int patience;
        try {
            patience = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("early stopping '" + spec + "': patience '" + parts[2]
                    + "' is not a whole number" + form, e);
        }
        return new EarlyStopping(parts[0].substring(0, dot), parts[0].substring(dot + 1), goal, patience);
    }

    /** {@code PROBLEM.METRIC}. */
    public String name() {
        return problem + "." + metric;
    }

    /** {@code PROBLEM.METRIC:min|max:PATIENCE}, the form {@link #parse} reads. */
    @Override
    public String toString() {
        return name() + ":" + goal.name().toLowerCase(Locale.ROOT) + ":" + patience;
    }

    /** The state of one run: best value so far and validations since; calls {@code stop} once. */
    Watch watch(Consumer<String> stop) {
        return new Watch(Objects.requireNonNull(stop, "stop"));
    }

    /** Early stopping during one run. */
    final class Watch {

        private final Consumer<String> stop;
        private double best = Double.NaN;
        private int bestStep;
        private int validationsWithoutImprovement;
        private boolean seen;
        private boolean stopped;

        private Watch(Consumer<String> stop) {
            this.stop = stop;
        }

        /** The best value seen so far (NaN before the first validation). */
        double best() {
            return best;
        }

        /** Whether the stop callback has been called. */
        boolean stopped() {
            return stopped;
        }

        void onValidation(int globalStep, String validatedProblem, Map<String, Double> metrics) {
            if (!problem.equals(validatedProblem)) {
                return;
            }
            Double value = metrics.get(metric);
            if (value == null) {
                throw new IllegalStateException("early stopping on " + name() + ": " + problem + ".validate() returned"
                        + " no metric '" + metric + "' at global step " + globalStep + "; it returned "
                        + metrics.keySet() + ". Fix: name one of those in the early stopping setting.");
            }
            if (Double.isNaN(value)) {
                throw new IllegalStateException("early stopping on " + name() + ": the metric is NaN at global step "
                        + globalStep + ", so improvement cannot be judged");
            }
            if (!seen || improves(value)) {
                seen = true;
                best = value;
                bestStep = globalStep;
                validationsWithoutImprovement = 0;
                return;
            }
            validationsWithoutImprovement++;
            if (validationsWithoutImprovement >= patience && !stopped) {
                stopped = true;
                stop.accept(String.format(Locale.ROOT, "early stopping: %s has not improved for %d validation(s);"
                        + " best %s = %.6g at global step %d", name(), patience, goal.name().toLowerCase(Locale.ROOT),
                        best, bestStep));
            }
        }

        private boolean improves(double value) {
            return goal == Goal.MIN ? value < best : value > best;
        }
    }
}
