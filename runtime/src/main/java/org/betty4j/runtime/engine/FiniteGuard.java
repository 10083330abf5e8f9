package org.betty4j.runtime.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import java.util.Map;
import org.betty4j.runtime.autograd.GradMode;

/**
 * The engine's non-finite guard, and the blame when it fires.
 *
 * <p>Cost: a step's check is one reduction per array (the sum of each gradient, the L2 norm of
 * each of the problem's parameters; a small CPU array is read and reduced on the host instead),
 * read back with the step's loss; {@code sum} is NaN or infinite whenever one element is, so a
 * finite scalar proves the arrays finite. Only when a read value is
 * not finite are the arrays searched element-wise, which also tells a real NaN/∞ from a sum that
 * merely overflowed (then nothing is wrong and the step goes on).
 *
 * <p>Blame: a NaN seen in one problem is often made by another one's update (a huge learning rate
 * on a lower problem turns its parameters into ∞, and the upper problem's loss is the first to
 * show it). Each check also records the norm of the checking problem's parameters (they hold
 * the result of its previous update); when a non-finite value is found, every problem's
 * parameters are searched, and the problem whose update made them non-finite, or whose last
 * update grew them by orders of magnitude, is named with the step, the array, its last finite
 * norm and what to change.
 */
final class FiniteGuard {

    /**
     * A parameter whose norm grows beyond this factor of max(its norm before, 1) in one update is
     * blamed even when still finite.
     */
    static final double BLOWUP = 1e4;

    /** What the guard last saw of a problem's parameters; one per problem state. */
    static final class Memory {
        int localStep = -1;
        double[] norms;
        int previousLocalStep = -1;
        double[] previousNorms;
    }

    private FiniteGuard() {}

    /**
     * Checks {@code arrays} (a gradient or an update of {@code problem}, one per parameter) and,
     * once per local step, {@code problem}'s parameters; throws a {@link NonFiniteValueException}
     * with the blame when something is NaN or infinite.
     */
    static void check(ProblemState problem, NDList arrays, int globalStep, Map<String, ProblemState> states) {
        check(problem, null, arrays, globalStep, states);
    }

    /**
     * As {@link #check(ProblemState, NDList, int, Map)}, and checks {@code loss} (a one-element
     * array of {@code problem}'s loss, or null) in the same read: on a GPU one transfer to
     * the host per step. A non-finite loss is reported first, as {@link #lossNotFinite}. Returns the loss's
     * value (NaN when {@code loss} is null).
     */
    static double check(ProblemState problem, NDArray loss, NDList arrays, int globalStep,
            Map<String, ProblemState> states) {
        Memory memory = problem.guardMemory;
        boolean withParams = memory.localStep != problem.localSteps;
        double[] values = reduce(loss, arrays, withParams ? problem.params : null);
        int first = loss == null ? 0 : 1;
        int n = arrays.size();
        boolean finite = true;
        for (double v : values) {
            finite &= Double.isFinite(v);
        }
        if (!finite) {
            if (loss != null && !Double.isFinite(values[0])) {
                throw lossNotFinite(problem, values[0], globalStep, states);
            }
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(values[first + i]) && hasNonFinite(arrays.get(i))) {
                    throw blame(problem, "the gradient of parameter '" + problem.paramNames.get(i) + "'",
                            values[first + i], globalStep, states);
                }
            }
            if (withParams) {
                for (int i = 0; i < problem.params.size(); i++) {
                    double v = values[first + n + i];
                    if (!Double.isFinite(v) && hasNonFinite(problem.params.get(i))) {
                        throw blame(problem, "parameter '" + problem.paramNames.get(i) + "'", v, globalStep, states);
                    }
                }
            }
            // only a sum overflowed: every element is finite
        }
        if (withParams) {
            memory.previousLocalStep = memory.localStep;
            memory.previousNorms = memory.norms;
            memory.localStep = problem.localSteps;
            memory.norms = java.util.Arrays.copyOfRange(values, first + n, values.length);
        }
        return loss == null ? Double.NaN : values[0];
    }

    /**
     * The exception for a non-finite loss of {@code problem}, blaming the problem whose update
     * caused it when that can be told.
     */
    static NonFiniteValueException lossNotFinite(ProblemState problem, double value, int globalStep,
            Map<String, ProblemState> states) {
        return blame(problem, "the loss", value, globalStep, states);
    }

    /**
     * {@code loss} (when not null), sums of {@code arrays}, then norms of {@code params} (when not
     * null). On a GPU, or when there are many, the reductions are stacked and read back in one
     * call. On the CPU a few are read one by one, and a small float32/float64 array is read whole
     * and reduced here (its sum or norm in double precision): a read of a CPU array is a copy of
     * its bytes (under 1 µs), cheaper than a reduction or a stack operation and the array it makes
     * (2-5 µs each).
     */
    private static double[] reduce(NDArray loss, NDList arrays, NDList params) {
        int size = (loss == null ? 0 : 1) + arrays.size() + (params == null ? 0 : params.size());
        NDArray first = loss != null ? loss : arrays.isEmpty() ? params.get(0) : arrays.get(0);
        boolean stack = size > READ_ONE_BY_ONE || first.getDevice().isGpu();
        if (!stack) {
            try (GradMode off = GradMode.disabled()) {
                double[] out = new double[size];
                int k = 0;
                if (loss != null) {
                    out[k++] = read(loss)[0];
                }
                for (NDArray a : arrays) {
                    out[k++] = readsWhole(a) ? sum(read(a)) : reduced(a, false);
                }
                if (params != null) {
                    for (NDArray p : params) {
                        out[k++] = readsWhole(p) ? Math.sqrt(sumOfSquares(read(p))) : reduced(p, true);
                    }
                }
                return out;
            }
        }
        NDList scalars = new NDList(size);
        // what this method created (the loss itself belongs to the step)
        NDList created = new NDList(size + 1);
        try (GradMode off = GradMode.disabled()) {
            if (loss != null) {
                NDArray l = isHalf(loss) ? created(loss.toType(DataType.FLOAT32, false), created) : loss;
                // a (1)- or (1, 1)-shaped loss stacks with the 0-d sums as a 0-d view
                scalars.add(l.getShape().dimension() == 0 ? l : created(l.reshape(new Shape()), created));
            }
            for (NDArray a : arrays) {
                scalars.add(created(isHalf(a) ? created(a.toType(DataType.FLOAT32, false), created).sum() : a.sum(),
                        created));
            }
            if (params != null) {
                for (NDArray p : params) {
                    scalars.add(created(isHalf(p) ? created(p.toType(DataType.FLOAT32, false), created).norm()
                            : p.norm(), created));
                }
            }
            DataType type = scalars.get(0).getDataType();
            boolean same = true;
            for (NDArray s : scalars) {
                same &= s.getDataType() == type;
            }
            if (same && scalars.size() == 1) {
                return read(scalars.get(0));
            }
            if (same) {
                try (NDArray stacked = NDArrays.stack(scalars)) {
                    return read(stacked);
                }
            }
            double[] out = new double[scalars.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = read(scalars.get(i))[0];
            }
            return out;
        } finally {
            created.close();
        }
    }

    /** Up to this many numbers on the CPU are read one by one rather than stacked (see reduce). */
    static final int READ_ONE_BY_ONE = 12;

    /** A CPU float32/float64 array of up to this many elements is read whole and reduced here (see reduce). */
    static final long READ_WHOLE = 256;

    private static boolean readsWhole(NDArray a) {
        DataType type = a.getDataType();
        return (type == DataType.FLOAT32 || type == DataType.FLOAT64) && a.size() <= READ_WHOLE;
    }

    /** {@code a}'s sum, or its L2 norm, as an array operation (in float32 for half precision), read back. */
    private static double reduced(NDArray a, boolean norm) {
        try (NDArray wide = isHalf(a) ? a.toType(DataType.FLOAT32, false) : null) {
            NDArray source = wide == null ? a : wide;
            try (NDArray r = norm ? source.norm() : source.sum()) {
                return read(r)[0];
            }
        }
    }

    /** NaN or infinite exactly when one element is (or when the sum overflows, as the array sum would). */
    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }

    private static double sumOfSquares(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v * v;
        }
        return s;
    }

    private static NDArray created(NDArray a, NDList created) {
        created.add(a);
        return a;
    }

    /** Half precision overflows at 65504: its sums and norms are taken in float32. */
    private static boolean isHalf(NDArray a) {
        return a.getDataType() == DataType.FLOAT16 || a.getDataType() == DataType.BFLOAT16;
    }

    /**
     * The values of a floating array on the host. Single and double precision are read as they are
     * (a copy of their bytes; widening a float is exact); half precision cannot be read directly,
     * so it is converted first.
     */
    static double[] read(NDArray a) {
        switch (a.getDataType()) {
            case FLOAT64:
                return a.toDoubleArray();
            case FLOAT32: {
                float[] f = a.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                return d;
            }
            default:
                try (NDArray wide = a.toType(DataType.FLOAT64, false)) {
                    return wide.toDoubleArray();
                }
        }
    }

    private static boolean hasNonFinite(NDArray a) {
        try (GradMode off = GradMode.disabled();
                NDArray inf = a.isInfinite();
                NDArray nan = a.isNaN();
                NDArray either = inf.logicalOr(nan);
                NDArray any = either.any()) {
            return any.getBoolean();
        }
    }

    /**
     * Searches every problem's parameters: the first problem whose parameters are non-finite (its
     * last update made them so), else the one whose last update grew them most beyond
     * {@link #BLOWUP}, is blamed; else {@code detector} itself (a non-finite value from finite
     * parameters: its loss or data).
     */
    private static NonFiniteValueException blame(ProblemState detector, String quantity, double value,
            int globalStep, Map<String, ProblemState> states) {
        String detected = detector.node.name() + ": " + quantity + " is " + value + " at local step "
                + detector.localSteps + " (global step " + globalStep + ")";
        for (ProblemState s : states.values()) {
            for (int i = 0; i < s.params.size(); i++) {
                if (hasNonFinite(s.params.get(i))) {
                    Memory m = s.guardMemory;
                    String last = m.norms == null ? "no finite norm recorded"
                            : String.format(Locale.ROOT, "its last finite norm %.4g at local step %d", m.norms[i],
                                    m.localStep);
                    String message = s.node.name() + ": its update made parameter '" + s.paramNames.get(i)
                            + "' non-finite (" + last + "; now at local step " + s.localSteps + ", global step "
                            + globalStep + "); found as " + detected + ". " + advice(s);
                    return new NonFiniteValueException(s.node.name(), s.localSteps, globalStep,
                            "parameter '" + s.paramNames.get(i) + "'", message);
                }
            }
        }
        ProblemState worst = null;
        int worstIndex = -1;
        double worstGrowth = 0;
        double[] worstNorms = null;
        for (ProblemState s : states.values()) {
            Memory m = s.guardMemory;
            if (m.norms == null) {
                continue;
            }
            // the norms before and after the problem's last update: a problem's memory holds its
            // parameters as they were before its latest update, unless it checked them again since
            boolean recheckedSinceUpdate = s == detector && m.localStep == s.localSteps;
            double[] before = recheckedSinceUpdate ? m.previousNorms : m.norms;
            if (before == null) {
                continue;
            }
            double[] now = recheckedSinceUpdate ? m.norms : norms(s.params);
            for (int i = 0; i < now.length; i++) {
                // relative to at least 1: a parameter starting at zero may grow by any factor
                double growth = now[i] / Math.max(before[i], 1.0);
                if (growth > BLOWUP && growth > worstGrowth) {
                    worst = s;
                    worstIndex = i;
                    worstGrowth = growth;
                    worstNorms = new double[] {before[i], now[i]};
                }
            }
        }
        if (worst != null) {
            String message = String.format(Locale.ROOT, "%s: its last update grew the norm of parameter '%s' from "
                    + "%.4g (last value before it) to %.4g (x%.3g; local step %d, global step %d); found as %s. %s",
                    worst.node.name(), worst.paramNames.get(worstIndex), worstNorms[0], worstNorms[1], worstGrowth,
                    worst.localSteps, globalStep, detected, advice(worst));
            return new NonFiniteValueException(worst.node.name(), worst.localSteps, globalStep,
                    "parameter '" + worst.paramNames.get(worstIndex) + "'", message);
        }
        return new NonFiniteValueException(detector.node.name(), detector.localSteps, globalStep, quantity,
                detected + " while every problem's parameters are finite; check " + detector.node.name()
                        + "'s data and cost (a log or division of a value that reaches 0, an overflow), or lower "
                        + detector.node.name() + "'s learning rate (now " + detector.optimizer.learningRate()
                        + ") or clip its gradients");
    }

    private static String advice(ProblemState s) {
        return "Lower " + s.node.name() + "'s learning rate (now " + s.optimizer.learningRate() + ")"
                + (s.node.clipGradNorm() > 0 ? ", tighten its gradient clipping (now " + s.node.clipGradNorm() + ")"
                        : " or clip its gradients (clipGradNorm)")
                + ", or check its data and cost";
    }

    private static double[] norms(NDList params) {
        double[] out = new double[params.size()];
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < out.length; i++) {
                try (NDArray wide = params.get(i).toType(DataType.FLOAT64, true); NDArray norm = wide.norm()) {
                    out[i] = norm.getDouble();
                }
            }
        }
        return out;
    }
}
