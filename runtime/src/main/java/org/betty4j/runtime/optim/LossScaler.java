package org.betty4j.runtime.optim;

/**
 * Dynamic loss scaling for FLOAT16 compute, as PyTorch's {@code GradScaler} does it: the loss
 * is multiplied by {@link #scale()} before differentiation so that small gradients do not
 * underflow in half precision, and the gradients are divided by it before the update. When
 * a gradient is not finite (the scaled values overflowed), the update is skipped and the
 * scale multiplied by the backoff factor; after {@code growthInterval} finite steps in a row
 * it is multiplied by the growth factor. Defaults are GradScaler's: initial scale 2^16,
 * growth 2, backoff 0.5, growth interval 2000.
 */
public final class LossScaler {

    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private double scale;
    private int finiteSteps;
    private long skipped;

    private LossScaler(Builder b) {
        this.scale = b.initialScale;
        this.growthFactor = b.growthFactor;
        this.backoffFactor = b.backoffFactor;
        this.growthInterval = b.growthInterval;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The factor the next loss is multiplied by. */
    public double scale() {
        return scale;
    }

    /** Finite steps since the last overflow or growth. */
    public int finiteSteps() {
        return finiteSteps;
    }

    /** Updates skipped so far because the gradient was not finite. */
    public long skipped() {
        return skipped;
    }

    /** Writes the scale, the finite-step count and the skipped count (for checkpoints). */
    public void saveState(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeDouble(scale);
        out.writeInt(finiteSteps);
        out.writeLong(skipped);
    }

    /** Reads what {@link #saveState} wrote. */
    public void loadState(java.io.DataInputStream in) throws java.io.IOException {
        double savedScale = in.readDouble();
        int savedFinite = in.readInt();
        long savedSkipped = in.readLong();
        if (!(savedScale > 0) || Double.isInfinite(savedScale) || savedFinite < 0 || savedSkipped < 0) {
            throw new java.io.IOException("corrupt loss-scaler state: scale " + savedScale + ", finite steps "
                    + savedFinite + ", skipped " + savedSkipped);
        }
        scale = savedScale;
        finiteSteps = savedFinite;
        skipped = savedSkipped;
    }

    /**
     * Records the outcome of one step and adapts the scale.
     *
     * @param finite whether every unscaled gradient was finite
     * @return whether the update is to be applied (false: skip it)
     */
    public boolean update(boolean finite) {
        if (!finite) {
            scale *= backoffFactor;
            finiteSteps = 0;
            skipped++;
            return false;
        }
        if (++finiteSteps == growthInterval) {
            scale *= growthFactor;
            finiteSteps = 0;
        }
        return true;
    }

    /** Options of a {@link LossScaler}. */
    public static final class Builder {
        private double initialScale = 65536.0;
        private double growthFactor = 2.0;
        private double backoffFactor = 0.5;
        private int growthInterval = 2000;

        private Builder() {}

        public Builder optInitialScale(double initialScale) {
            if (!(initialScale > 0) || Double.isInfinite(initialScale)) {
                throw new IllegalArgumentException("initial loss scale must be positive and finite, got " + initialScale);
            }
            this.initialScale = initialScale;
            return this;
        }

        public Builder optGrowthFactor(double growthFactor) {
            if (!(growthFactor > 1) || Double.isInfinite(growthFactor)) {
                throw new IllegalArgumentException("loss-scale growth factor must be > 1 and finite, got " + growthFactor);
            }
            this.growthFactor = growthFactor;
            return this;
        }

        public Builder optBackoffFactor(double backoffFactor) {
            if (!(backoffFactor > 0 && backoffFactor < 1)) {
                throw new IllegalArgumentException("loss-scale backoff factor must be in (0, 1), got " + backoffFactor);
            }
            this.backoffFactor = backoffFactor;
            return this;
        }

        public Builder optGrowthInterval(int growthInterval) {
            if (growthInterval < 1) {
                throw new IllegalArgumentException("loss-scale growth interval must be >= 1 step, got " + growthInterval);
            }
            this.growthInterval = growthInterval;
            return this;
        }

        public LossScaler build() {
            return new LossScaler(this);
        }
    }
}
