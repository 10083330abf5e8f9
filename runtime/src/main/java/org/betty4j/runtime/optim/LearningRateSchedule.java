package org.betty4j.runtime.optim;

/**
 * The learning rate as a function of the optimizer's update count (0 for the first update).
 *
 * <pre>{@code
 * Sgd.builder().setLearningRate(0.1f)
 *    .optSchedule(LearningRateSchedule.cosine(0.1f, 2000, 0f))
 *    .build();
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {

    float at(int update);

    static LearningRateSchedule constant(float rate) {
        return update -> rate;
    }

    /** Cosine decay from {@code base} to {@code min} over {@code total} updates, then {@code min}. */
    static LearningRateSchedule cosine(float base, int total, float min) {
        if (total < 1) {
            throw new IllegalArgumentException("cosine schedule: total updates must be >= 1, got " + total);
        }
        return update -> update >= total ? min
                : (float) (min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * update / total)));
    }

    /** {@code base} multiplied by {@code gamma} at each milestone (update counts, ascending). */
    static LearningRateSchedule steps(float base, float gamma, int... milestones) {
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] <= milestones[i - 1]) {
                throw new IllegalArgumentException("step schedule: milestones must ascend, got "
                        + java.util.Arrays.toString(milestones));
            }
        }
        return update -> {
            float rate = base;
            for (int m : milestones) {
                if (update >= m) {
                    rate *= gamma;
                }
            }
            return rate;
        };
    }
}
