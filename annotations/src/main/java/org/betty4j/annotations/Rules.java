package org.betty4j.annotations;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one catalogue of the rules of a multilevel program: the range of every numeric
 * setting, the shape of a problem name, and the defaults. The annotation processor checks
 * {@code @Level}/{@code @Hypergrad} values against it at compile time, and the runtime's
 * builders and command-line overrides check the same values against it at run time, so the
 * three can never disagree. It lives here because this is the one module both depend on.
 *
 * <p>Each rule's {@code check} returns empty for an allowed value, else the rule in words
 * ("must be at least 1"); callers put it in a message naming where the value came from.
 */
public final class Rules {

    private Rules() {}

    /**
     * An allowed range of an integer setting, {@code min <= value}.
     *
     * @param setting the annotation member ({@code unrollSteps})
     * @param label the setting in words, for run-time messages ({@code unroll steps})
     * @param min the smallest allowed value
     * @param meaning why, in words
     */
    public record IntRule(String setting, String label, int min, String meaning) {

        /** Empty when allowed, else the rule in words. */
        public Optional<String> check(int value) {
            return value >= min ? Optional.empty() : Optional.of(text());
        }

        /** The rule in words, e.g. {@code "must be at least 1"}. */
        public String text() {
            return "must be " + (min == 0 ? "0 or more" : "at least " + min);
        }

        /** {@code value} if allowed, else an {@link IllegalArgumentException} naming {@code owner}, the setting and the value. */
        public int require(String owner, int value) {
            check(value).ifPresent(rule -> {
                throw new IllegalArgumentException(owner + ": " + label + " " + rule + ", got " + value);
            });
            return value;
        }
    }

    /**
     * An allowed range of a floating-point setting: finite, and {@code > 0} or {@code >= 0}.
     *
     * @param setting the annotation member ({@code clipGradNorm})
     * @param label the setting in words, for run-time messages ({@code the clipping norm})
     * @param zeroAllowed whether 0 is allowed
     * @param meaning what the value is, in words
     */
    public record DoubleRule(String setting, String label, boolean zeroAllowed, String meaning) {

        /** Empty when allowed (never for NaN or an infinity), else the rule in words. */
        public Optional<String> check(double value) {
            boolean ok = Double.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0);
            return ok ? Optional.empty() : Optional.of(text());
        }

        /** The rule in words, e.g. {@code "must be finite and positive"}. */
        public String text() {
            return "must be finite and " + (zeroAllowed ? "0 or more" : "positive");
        }

        /** {@code value} if allowed, else an {@link IllegalArgumentException} naming {@code owner}, the setting and the value. */
        public double require(String owner, double value) {
            check(value).ifPresent(rule -> {
                throw new IllegalArgumentException(owner + ": " + label + " " + rule + ", got " + value);
            });
            return value;
        }
    }

    /** {@link Level#value()}: 1 is the lowest problem. */
    public static final IntRule LEVEL = new IntRule("level", "level", 1, "levels start at 1 (the lowest problem)");

    /** {@link Level#unrollSteps()}. */
    public static final IntRule UNROLL_STEPS = new IntRule("unrollSteps", "unroll steps", 1,
            "a problem takes at least one local step before signalling its uppers");

    /** {@link Level#warmupSteps()}; 0 means no warm-up. */
    public static final IntRule WARMUP_STEPS = new IntRule("warmupSteps", "warm-up steps", 0,
            "a warm-up is a number of local steps, 0 (the default) for none");

    /** {@link Level#gradientAccumulation()}; 1 updates after every step. */
    public static final IntRule GRADIENT_ACCUMULATION = new IntRule("gradientAccumulation", "gradient accumulation", 1,
            "an update averages the gradients of at least one step, 1 (the default) for none");

    /** {@link Level#clipGradNorm()}; 0 turns clipping off. */
    public static final DoubleRule CLIP_GRAD_NORM = new DoubleRule("clipGradNorm", "the clipping norm", true,
            "the clipping norm, 0 (the default) for no clipping");

    /** {@link Hypergrad#alpha()} of a method that {@linkplain HypergradMethod#usesAlpha() uses it}. */
    public static final DoubleRule ALPHA = new DoubleRule("alpha", "alpha", false,
            "a finite-difference radius, a scale or a series step");

    /** {@link Hypergrad#iterations()} of a method that {@linkplain HypergradMethod#usesIterations() uses them}. */
    public static final IntRule ITERATIONS = new IntRule("iterations", "iterations", 1, "at least one iteration is needed");

    /** A learning rate given on the command line. */
    public static final DoubleRule LEARNING_RATE = new DoubleRule("learningRate", "the learning rate", false, "a step size");

    /** The method of a problem inside a backpropagation path without {@code @Hypergrad}. */
    public static final HypergradMethod DEFAULT_METHOD = HypergradMethod.AID_FD;

    /** Problem names are identifiers on the command line, in logs and metrics files. */
    public static final String NAME_PATTERN = "[A-Za-z_][A-Za-z0-9_]*";

    /** The longest problem name, in characters. */
    public static final int MAX_NAME_LENGTH = 64;

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    /**
     * Empty for a valid problem name, else what is wrong with it, e.g. {@code "contains the
     * non-ASCII character 'ö'"} or {@code "is 80 characters long"}, followed by the rule.
     */
    public static Optional<String> checkName(String name) {
        if (name.isEmpty()) {
            return Optional.of("is empty; " + nameRule());
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (c > 127) {
                return Optional.of("contains the non-ASCII character '" + new String(Character.toChars(c)) + "'; "
                        + nameRule());
            }
            i += Character.charCount(c);
        }
        if (!NAME.matcher(name).matches()) {
            return Optional.of("is not an identifier; " + nameRule());
        }
        if (name.length() > MAX_NAME_LENGTH) {
            return Optional.of("is " + name.length() + " characters long; " + nameRule());
        }
        return Optional.empty();
    }

    /** The name rule in words. */
    public static String nameRule() {
        return "problem names are used on the command line and in logs, and must match " + NAME_PATTERN
                + " (ASCII) with at most " + MAX_NAME_LENGTH + " characters";
    }

    /**
     * Whether {@code firstOrder = true} means anything for {@code method}: not for AID_CG and
     * AID_NEUMANN, which invert the Hessian, a second-order quantity.
     */
    public static boolean firstOrderAllowed(HypergradMethod method) {
        return method != HypergradMethod.AID_CG && method != HypergradMethod.AID_NEUMANN;
    }
}
